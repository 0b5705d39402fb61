/**
 * Applies a plan through a BillingTarget. The core enforces safety itself: a plan over
 * maxChangePercent is refused and held actions are not applied, unless forced. One failure
 * does not stop the others; every action ends applied, failed, unknown, held or skipped.
 * Creates never duplicate (create.ts). A run stops writing at its deadline, or when what it
 * must record can no longer be written; what it did not attempt is reported as such.
 */
import { forEachLimit } from '../concurrency.js';
import type { Policy } from '../config/types.js';
import { CwsyncError, withHint } from '../errors.js';
import type { Logger } from '../log.js';
import { isoSeconds } from '../time.js';
import { createOnce } from './create.js';
import { PendingLedger } from './pending.js';
import { type BillingTarget, type PendingCreates, writeOutcomeUnknown } from './ports.js';
import { checkSafety, holdReason, raiseIfUnsafe } from './safety.js';
import type { Action, BindingError, Conflict, HeldAction, Plan } from './types.js';
import { type ActionResult, openLines, type ResultStatus } from './writes.js';

export type { ActionResult } from './writes.js';

export interface ApplyReport {
  formatVersion: 1;
  startedAt: string;
  finishedAt: string;
  fingerprint: string;
  source: Plan['source'];
  scope: Plan['scope'];
  /** Whether safety limits were lifted with --force, and by whom. */
  forced: boolean;
  actor: string | null;
  summary: { applied: number; failed: number; unknown: number; held: number; skipped: number; errors: number };
  results: ActionResult[];
  /** The conflicts (two open lines of one managed product): never touched, each needs a human. */
  skipped: Array<Conflict & { status: 'skipped' }>;
  errors: BindingError[];
  warnings: Plan['warnings'];
  /** Why the run stopped writing before the end (its deadline), when it did. */
  stopped?: string;
}

export interface ApplyOptions {
  now: Date;
  concurrency: number;
  force: boolean;
  actor: string | null;
  logger?: Logger;
  onResult?: (r: ActionResult) => void;
  /** The wall clock for the report's times, the deadline and the settle time; tests pass their own. */
  clock?: () => Date;
  /** Where creates whose outcome is unknown are remembered across runs; without it, this run only. */
  pending?: PendingCreates;
  /** The billing system's name in messages (its adapter's); "the billing system" without it. */
  billing?: string;
  /** How long a remembered create blocks its line while absent (default 15 minutes). */
  settleMs?: number;
  /** Past this (ms since the epoch, by `clock`), nothing more is written. */
  deadlineAt?: number;
  /** Asked before each write: a reason to write nothing more (the journal cannot be written), or null. */
  stop?: () => string | null;
}

/** Whether a PATCH whose answer was lost has landed: read it back; undefined when that read fails too. */
async function patchLanded(target: BillingTarget, a: Action, now: Date): Promise<boolean | undefined> {
  try {
    const open = await openLines(target, a, now);
    return a.action === 'update'
      ? open.some((x) => x.id === a.additionId && x.quantity === a.after)
      : !open.some((x) => x.id === a.additionId);
  } catch {
    return undefined;
  }
}

async function patch(target: BillingTarget, a: Action, now: Date): Promise<ActionResult> {
  const send = () =>
    a.action === 'update'
      ? target.setQuantity(a.agreement.id, a.additionId!, a.after)
      : target.cancel(a.agreement.id, a.additionId!, now);
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return {
        ...a,
        status: 'applied',
        resultAdditionId: a.additionId!,
        ...(attempt > 1 ? { note: 'sent again after checking the first had not landed' } : {}),
      };
    } catch (err) {
      if (!writeOutcomeUnknown(err)) return { ...a, status: 'failed', error: withHint(err) };
      const landed = await patchLanded(target, a, now);
      if (landed === true)
        return {
          ...a,
          status: 'applied',
          resultAdditionId: a.additionId!,
          note: 'confirmed by reading it back after the answer was lost',
        };
      // Setting a quantity or a date twice is harmless, so one more try is safe; a create is never re-sent.
      if (landed === false && attempt === 1) continue;
      return {
        ...a,
        status: 'unknown',
        error: `${withHint(err)}; whether it landed is unknown (the next run reads it and settles it)`,
      };
    }
  }
}

/** Why nothing more may be written now, or null. */
function stopReason(options: ApplyOptions, clock: () => Date, ledger: PendingLedger): string | null {
  if (options.deadlineAt !== undefined && clock().getTime() >= options.deadlineAt)
    return `the run's deadline (--max-duration) passed at ${isoSeconds(new Date(options.deadlineAt))}`;
  return ledger.failure ?? options.stop?.() ?? null;
}

const unhold = ({ actionReason, reason, ...a }: HeldAction): Action & { held: string } => ({
  ...a,
  reason: actionReason,
  held: reason,
});

/** A whole number that is exact: beyond 2^53, JSON has already made it another number. */
const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Whether an action is well formed and agrees with the ConnectWise state the plan observed. */
function inconsistency(a: Action, plan: Plan): string | undefined {
  const ids = [a.agreement?.id, a.product?.id, a.after];
  if (!['create', 'update', 'cancel'].includes(a.action) || !ids.every(isCount)) return 'is not a well-formed action';
  const seen = plan.observed.find((o) => o.agreement === a.agreement.id);
  if (!seen) return `names agreement ${a.agreement.id}, which the plan did not read`;
  if (!seen.products.includes(a.product.id))
    return `touches product ${a.product.id}, which the plan does not manage there`;
  const open = seen.additions.filter(([, product]) => product === a.product.id);
  if (a.action === 'create') return open.length === 0 ? undefined : 'creates a product the agreement already holds';
  if (!isCount(a.additionId) || !open.some(([id, , qty]) => id === a.additionId && qty === a.before))
    return `changes line ${a.additionId}, which the plan did not read with quantity ${a.before}`;
  return undefined;
}

/**
 * What may be applied, decided again here from the plan's actions and observed state under the
 * config's policy: a saved plan's own verdict (its `held` list, its `safety`) is not trusted.
 */
function recheck(plan: Plan, policy: Policy): { actions: Action[]; held: HeldAction[]; plan: Plan } {
  const all: Action[] = [
    ...plan.actions,
    ...plan.held.map(({ actionReason, ...h }) => ({ ...h, reason: actionReason ?? h.reason })),
  ];
  const seenLines = new Set<string>();
  for (const a of all) {
    const line = `${a.agreement?.id}/${a.product?.id}`;
    const why = seenLines.has(line) ? 'repeats another action on the same product line' : inconsistency(a, plan);
    seenLines.add(line);
    if (why)
      throw new CwsyncError(`the plan is inconsistent: an action ${why}; nothing was written`, {
        hint: 'plan again (cwsync plan --out FILE) and apply that file unchanged',
      });
  }
  const actions: Action[] = [];
  const held: HeldAction[] = [];
  for (const a of all) {
    const hold = holdReason(a, policy.safety);
    if (hold) held.push({ ...a, reason: hold, actionReason: a.reason });
    else actions.push(a);
  }
  const managed = plan.observed.reduce((n, o) => n + o.additions.length, 0);
  const safety = checkSafety(all.length, managed, policy.safety);
  return { actions, held, plan: { ...plan, safety } };
}

export async function applyPlan(
  target: BillingTarget,
  saved: Plan,
  policy: Policy,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const { actions, held, plan } = recheck(saved, policy);
  raiseIfUnsafe(plan, options.force);
  const clock = options.clock ?? (() => new Date());
  const startedAt = isoSeconds(clock());
  const ledger = new PendingLedger(options.pending, options.settleMs);
  ledger.prune(plan);
  const ctx = { target, policy, now: options.now, clock, ledger, billing: options.billing };
  const todo: Array<Action & { held?: string }> = options.force ? [...actions, ...held.map(unhold)] : actions;
  const results: ActionResult[] = new Array(todo.length);
  let stopped: string | undefined;
  await forEachLimit(todo, options.concurrency, async (a, i) => {
    const stop = stopReason(options, clock, ledger);
    stopped ??= stop ?? undefined;
    const r: ActionResult = stop
      ? { ...a, status: 'failed', error: `not attempted: ${stop}; nothing more was written (the next run does it)` }
      : a.action === 'create'
        ? await createOnce(ctx, a)
        : await patch(target, a, options.now);
    const result = a.held ? { ...r, held: a.held } : r;
    options.logger?.info(
      { action: a.action, agreement: a.agreement.id, product: a.product.identifier, status: r.status },
      'action',
    );
    results[i] = result;
    options.onResult?.(result);
  });
  const heldResults: ActionResult[] = options.force
    ? []
    : held.map((h) => {
        const { reason, ...rest } = unhold(h);
        const r: ActionResult = { ...rest, reason, status: 'held' };
        options.onResult?.(r);
        return r;
      });
  const all = [...results, ...heldResults];
  const skipped = plan.conflicts.map((c) => ({ ...c, status: 'skipped' as const }));
  const count = (s: ResultStatus) => all.filter((r) => r.status === s).length;
  return {
    formatVersion: 1,
    startedAt,
    finishedAt: isoSeconds(clock()),
    fingerprint: plan.fingerprint,
    source: plan.source,
    scope: plan.scope,
    forced: options.force,
    actor: options.actor,
    summary: {
      applied: count('applied'),
      failed: count('failed'),
      unknown: count('unknown'),
      held: count('held'),
      skipped: skipped.length,
      errors: plan.errors.length,
    },
    results: all,
    skipped,
    errors: plan.errors,
    warnings: plan.warnings,
    ...(stopped ? { stopped } : {}),
  };
}

/** Exit 1 when anything needs a human: a failed, unknown or held action, a conflict, or a binding error. */
export function needsAttention(report: ApplyReport): boolean {
  const s = report.summary;
  return s.failed + s.unknown + s.held + s.skipped + s.errors > 0;
}
