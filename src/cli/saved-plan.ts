/**
 * A saved plan (`apply --plan`), applied only as made (SPEC §3): read and shape-checked, tied
 * to the commit and config it was made with, its actions computed again from the inputs it
 * recorded, and the billing system re-read (catalog items, observed lines, each agreement's
 * company and status) before any write. Everything here runs before the first write; a refusal
 * is exit 3.
 */

import { targetAdapterFor } from '../adapters/registry.js';
import { readJsonFile } from '../config/safe-file.js';
import type { Config } from '../config/types.js';
import { CwsyncError, RefusedError } from '../errors.js';
import type { GitState } from '../git/state.js';
import type { Logger } from '../log.js';
import type { Action, Plan } from '../reconcile/types.js';
import { checkAgainstTarget, checkFollows } from '../reconcile/verify.js';
import { SAFE_LIMIT, unsafeIntegerAt } from '../safe-integer.js';
import { connectTarget, type Planned, type RunLimits } from './pipeline.js';

const MAX_BYTES = 64 * 1024 * 1024;

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** The fields of an action that decide what is written, of the right kinds (a count, never 2^53 or more). */
function wellFormedAction(a: Partial<Action> | null): boolean {
  if (typeof a !== 'object' || a === null) return false;
  const create = a.action === 'create';
  if (!create && a.action !== 'update' && a.action !== 'cancel') return false;
  return (
    isCount(a.agreement?.id) &&
    isCount(a.company?.id) &&
    typeof a.company?.identifier === 'string' &&
    isCount(a.product?.id) &&
    typeof a.product?.identifier === 'string' &&
    isCount(a.after) &&
    (create ? a.additionId === null && a.before === null : isCount(a.additionId) && isCount(a.before))
  );
}

function wellFormedPlan(plan: Partial<Plan>): boolean {
  return (
    plan.formatVersion === 1 &&
    typeof plan.fingerprint === 'string' &&
    typeof plan.createdAt === 'string' &&
    Array.isArray(plan.actions) &&
    Array.isArray(plan.held) &&
    Array.isArray(plan.errors) &&
    Array.isArray(plan.conflicts) &&
    Array.isArray(plan.observed) &&
    plan.observed.every(
      (o) =>
        isCount(o?.agreement) &&
        Array.isArray(o.products) &&
        o.products.every(isCount) &&
        Array.isArray(o.additions) &&
        o.additions.every((a) => Array.isArray(a) && a.length === 3 && a.every(isCount)),
    ) &&
    typeof plan.safety === 'object' &&
    plan.safety !== null &&
    typeof plan.source === 'object' &&
    plan.source !== null
  );
}

export function readSavedPlan(path: string): Plan {
  // Regular files only, size counted while reading; errors name the file, never quote it.
  const parsed = readJsonFile(path, { maxBytes: MAX_BYTES, display: `--plan ${path}` });
  const plan = parsed as Partial<Plan>;
  // JSON.parse reads 9007199254740993 as 9007199254740992: a quantity, id or recorded count that
  // large would be written, or recomputed, as another number.
  const unsafe = unsafeIntegerAt(parsed);
  if (unsafe)
    throw new RefusedError(
      `the saved plan ${path} holds at ${unsafe} an integer beyond ${SAFE_LIMIT}, which JSON cannot carry exactly; nothing was written`,
      { hint: 'plan again (cwsync plan --out FILE) and apply that file unchanged' },
    );
  if (!wellFormedPlan(plan))
    throw new CwsyncError(
      `${path} is not a cwsync plan of this version (format version 1 with held, observed and safety)`,
      {
        hint: 'plan again with this cwsync version: cwsync plan --out FILE',
      },
    );
  const actions = [...(plan.actions ?? []), ...(plan.held ?? [])];
  if (!actions.every(wellFormedAction))
    throw new RefusedError(`the saved plan ${path} holds an action that is not well formed; nothing was written`, {
      hint: 'plan again (cwsync plan --out FILE) and apply that file unchanged',
    });
  return plan as Plan;
}

/** The commit the plan was made from, or a refusal (the config's digest is checked with the rest, in checkSavedPlan). */
function sameCommit(plan: Plan, git: GitState, path: string): void {
  if (plan.source.dirty && !git.dirty)
    throw new RefusedError(
      `the saved plan ${path} was made from config with uncommitted changes, so no commit shows what it planned; nothing was written`,
      { hint: 'commit the config, plan again (cwsync plan --out FILE), and apply that plan' },
    );
  if (plan.source.commit !== git.commit)
    throw new RefusedError(
      `the saved plan ${path} was made from config commit ${plan.source.commit ?? '(none)'}, but the config is now at ${git.commit ?? '(none)'}; nothing was written`,
      { hint: 'plan again from this commit and save that plan' },
    );
}

/** A saved plan, checked against the config it was made with, its own inputs, and the billing system now. */
export async function savedPlanStillHolds(
  config: Config,
  git: GitState,
  path: string,
  logger: Logger,
  /** The run's deadline (--max-duration), for the reads and writes that follow. */
  run: RunLimits = {},
): Promise<Planned> {
  const plan = readSavedPlan(path);
  // A plan from the billing system's snapshot (or its read-only key) was made to be read, never applied.
  if (plan.target)
    throw new RefusedError(
      `the saved plan ${path} was made from ${plan.target.label}, not from ${targetAdapterFor(config).name} read with the write keys; nothing was written`,
      { hint: 'apply plans made with the write keys: plan --out FILE without --target-snapshot or --read-only' },
    );
  sameCommit(plan, git, path);
  checkFollows(plan, config, path);
  const connected = await connectTarget(config, logger, run);
  try {
    const checked = await checkAgainstTarget(connected.target, plan, config, {
      path,
      now: new Date(),
      concurrency: targetAdapterFor(config).concurrency(config) * 2,
      billing: targetAdapterFor(config).name,
    });
    return { plan: checked, ...connected };
  } catch (err) {
    await connected.close();
    throw err;
  }
}
