/** The dates ConnectWise additions are written with: its own policy (connectwise.effectiveDate), from the run's date. */
import type { EffectiveDatePolicy } from '../config/types.js';
import { isoSeconds } from '../time.js';

export function effectiveDate(policy: EffectiveDatePolicy, now: Date): string {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const day =
    policy === 'today'
      ? new Date(Date.UTC(y, m, now.getUTCDate()))
      : policy === 'first-of-month'
        ? new Date(Date.UTC(y, m, 1))
        : new Date(Date.UTC(y, m + 1, 1));
  return isoSeconds(day);
}

/** A cancelled date of today (00:00 UTC) is already past, so the next plan sees the addition closed. */
export function cancelledDate(now: Date): string {
  return isoSeconds(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())));
}
