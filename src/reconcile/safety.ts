/**
 * Safety limits (policy.safety). maxChangePercent guards against systemic faults: exceeded
 * (once at least minManaged additions are managed), the whole run is refused. The others guard
 * single lines: such an action is held, not applied, while the rest proceeds:
 * maxDecreasePercent (0 or a cancel is a 100 % decrease); an increase over both
 * maxIncreasePercent and maxIncreaseUnits; any new quantity above maxQuantity, creates
 * included, since a broken count must never be billed silently. A create counts as a change.
 * All are lifted only by force.
 */
import type { Policy } from '../config/types.js';
import { RefusedError } from '../errors.js';
import type { Action, Plan, SafetyReport } from './types.js';

/** The schema's defaults, for a policy built in code without them. */
const SAFETY_DEFAULTS = { maxIncreasePercent: 100, maxIncreaseUnits: 25, maxQuantity: 5000 } as const;

function decreasePercent(a: Pick<Action, 'action' | 'before' | 'after'>): number {
  if (a.action === 'cancel' || (a.action === 'update' && a.after === 0)) return 100;
  if (a.action !== 'update' || a.before === null || a.before <= 0 || a.after >= a.before) return 0;
  return ((a.before - a.after) / a.before) * 100;
}

const pct = (n: number) => `${Math.round(n * 10) / 10} %`;
const count = (n: number | null) => (n === null ? '-' : n.toLocaleString('en-US'));

function decreaseHold(a: Action, limits: Policy['safety']): string | null {
  const drop = decreasePercent(a);
  if (drop <= limits.maxDecreasePercent) return null;
  const what = a.action === 'cancel' ? `${count(a.before)} -> cancelled` : `${count(a.before)} -> ${count(a.after)}`;
  return `${what} is a ${pct(drop)} decrease (limit ${limits.maxDecreasePercent} %)`;
}

/** An update rising over both limits; from 0, any rise is an unbounded share, so the units decide. */
function increaseHold(a: Action, limits: Policy['safety']): string | null {
  if (a.action !== 'update' || a.before === null || a.after <= a.before) return null;
  const maxPercent = limits.maxIncreasePercent ?? SAFETY_DEFAULTS.maxIncreasePercent;
  const maxUnits = limits.maxIncreaseUnits ?? SAFETY_DEFAULTS.maxIncreaseUnits;
  const units = a.after - a.before;
  const share = a.before > 0 ? (units / a.before) * 100 : Number.POSITIVE_INFINITY;
  if (share <= maxPercent || units <= maxUnits) return null;
  const shown = Number.isFinite(share) ? `a ${pct(share)} increase` : 'an increase from 0';
  return `${count(a.before)} -> ${count(a.after)} is ${shown}, +${count(units)} units (limits ${maxPercent} % and ${maxUnits} units)`;
}

function quantityHold(a: Action, limits: Policy['safety']): string | null {
  const max = limits.maxQuantity ?? SAFETY_DEFAULTS.maxQuantity;
  if (a.action === 'cancel' || a.after <= max) return null;
  const what = a.action === 'create' ? `a new line of ${count(a.after)}` : `${count(a.before)} -> ${count(a.after)}`;
  return `${what} is above maxQuantity ${count(max)} (a broken usage count looks like this)`;
}

/** Why this action must be held, or null when it may be applied. */
export function holdReason(a: Action, limits: Policy['safety']): string | null {
  const reasons = [quantityHold(a, limits), increaseHold(a, limits), decreaseHold(a, limits)].filter(
    (r): r is string => r !== null,
  );
  return reasons.length ? reasons.join('; ') : null;
}

/**
 * The plan-wide check: `changes` counts every planned change, held ones included. The share is
 * taken of the larger of what is managed and what would change, so a plan of creates where
 * nothing is managed yet (a replaced catalog item, additions that read as missing) is refused
 * as the systemic fault it likely is, instead of slipping under minManaged.
 */
export function checkSafety(changes: number, managed: number, limits: Policy['safety']): SafetyReport {
  let refusal: string | null = null;
  const base = Math.max(managed, changes);
  if (base >= limits.minManaged && base > 0) {
    const share = (changes / base) * 100;
    if (share > limits.maxChangePercent)
      refusal =
        managed >= changes
          ? `${changes} of ${managed} managed lines would change (${pct(share)}), over maxChangePercent ${limits.maxChangePercent} %`
          : `${changes} changes where only ${managed} lines are managed (${pct(share)}), over maxChangePercent ${limits.maxChangePercent} %`;
  }
  return { managed, changes, refusal };
}

/** Thrown by the apply core for a plan over maxChangePercent without force: nothing is written. */
export class UnsafePlan extends RefusedError {
  constructor(readonly reason: string) {
    super('safety limit exceeded; nothing was written', {
      details: `  - ${reason}`,
      hint: 'check the usage and the config (a systemic fault looks like this); if the change is intended, apply with --force',
    });
  }
}

/** octoDNS's raise_if_unsafe: the rule lives with the plan, so no caller can forget it. */
export function raiseIfUnsafe(plan: Pick<Plan, 'safety'>, force: boolean): void {
  if (plan.safety.refusal && !force) throw new UnsafePlan(plan.safety.refusal);
}
