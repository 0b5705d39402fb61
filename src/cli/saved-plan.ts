/** Reading a plan saved by `plan --out`, checked enough that apply never acts on something else. */
import { readJsonFile } from '../config/safe-file.js';
import { CwsyncError } from '../errors.js';
import type { Plan } from '../reconcile/types.js';

const MAX_BYTES = 64 * 1024 * 1024;

export function readSavedPlan(path: string): Plan {
  // Regular files only, size counted while reading; errors name the file, never quote it.
  const parsed = readJsonFile(path, { maxBytes: MAX_BYTES, display: `--plan ${path}` });
  const plan = parsed as Partial<Plan>;
  const ok =
    plan.formatVersion === 1 &&
    typeof plan.fingerprint === 'string' &&
    Array.isArray(plan.actions) &&
    Array.isArray(plan.held) &&
    Array.isArray(plan.observed) &&
    plan.observed.every(
      (o) =>
        typeof o?.agreement === 'number' &&
        Array.isArray(o.products) &&
        o.products.every((p) => typeof p === 'number') &&
        Array.isArray(o.additions) &&
        o.additions.every((a) => Array.isArray(a) && a.length === 3 && a.every((n) => typeof n === 'number')),
    ) &&
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
