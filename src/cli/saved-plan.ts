/** Reading a plan saved by `plan --out`, checked enough that apply never acts on something else. */
import { readFileSync } from 'node:fs';
import { CwsyncError } from '../errors.js';
import type { Plan } from '../reconcile/types.js';

const MAX_BYTES = 64 * 1024 * 1024;

export function readSavedPlan(path: string): Plan {
  let parsed: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > MAX_BYTES) throw new Error('larger than 64 MiB');
    parsed = JSON.parse(text);
  } catch (err) {
    // The reason (not the content: JSON.parse messages can quote it) names what is wrong.
    const why =
      err instanceof SyntaxError ? 'it is not valid JSON' : ((err as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new CwsyncError(`cannot read the saved plan ${path}: ${why}`, {
      hint: 'pass the file written by cwsync plan --out',
    });
  }
  const plan = parsed as Partial<Plan>;
  const ok =
    plan.formatVersion === 1 &&
    typeof plan.fingerprint === 'string' &&
    Array.isArray(plan.actions) &&
    Array.isArray(plan.held) &&
    Array.isArray(plan.observed) &&
    typeof plan.safety === 'object' &&
    plan.safety !== null &&
    typeof plan.source === 'object';
  if (!ok)
    throw new CwsyncError(
      `${path} is not a cwsync plan of this version (format version 1 with held, observed and safety)`,
      {
        hint: 'plan again with this cwsync version: cwsync plan --out FILE',
      },
    );
  return plan as Plan;
}
