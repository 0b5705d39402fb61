/**
 * Safety limits (policy.safety), checked for the whole plan before the first write: the share
 * of managed additions that would change (only once enough are managed), and any single
 * quantity falling too far. A create counts as a change; 0 or a cancel is a 100 % decrease.
 */
import type { Policy } from '../config/types.js';
import type { Action, SafetyReport } from './types.js';

export function decreasePercent(a: Action): number {
  if (a.action === 'cancel' || (a.action === 'update' && a.after === 0)) return 100;
  if (a.action !== 'update' || a.before === null || a.before <= 0 || a.after >= a.before) return 0;
  return ((a.before - a.after) / a.before) * 100;
}

const pct = (n: number) => `${Math.round(n * 10) / 10}%`;

export function checkSafety(actions: readonly Action[], managed: number, limits: Policy['safety']): SafetyReport {
  const violations: string[] = [];
  const changes = actions.length;
  if (managed >= limits.minManaged && managed > 0) {
    const share = (changes / managed) * 100;
    if (share > limits.maxChangePercent)
      violations.push(
        `${changes} of ${managed} managed additions would change (${pct(share)}), over maxChangePercent ${limits.maxChangePercent}%`,
      );
  }
  for (const a of actions) {
    const drop = decreasePercent(a);
    if (drop > limits.maxDecreasePercent) {
      const what = a.action === 'cancel' ? 'would be cancelled' : `would fall from ${a.before} to ${a.after}`;
      violations.push(
        `${a.product.identifier} on ${a.company.identifier} / ${a.agreement.name} ${what} (${pct(drop)} decrease), over maxDecreasePercent ${limits.maxDecreasePercent}%`,
      );
    }
  }
  return { managed, changes, violations };
}
