/** What every write shares: the open lines read back, and the result's shape. */
import { type BilledLine, type BillingTarget, isOpen } from './ports.js';
import type { Action } from './types.js';

export type ResultStatus = 'applied' | 'failed' | 'unknown' | 'held' | 'skipped';

export interface ActionResult extends Action {
  status: ResultStatus;
  /** The addition written (for a create, the new one when known). */
  resultAdditionId?: number;
  /** For a create: the price per unit the billing system gave the new line; null when unknown. */
  resultUnitPrice?: number | null;
  error?: string;
  note?: string;
  /** Why a held action was not applied, or, when forced, why it had been held. */
  held?: string;
}

/** The open lines of the action's product on its agreement, read now. */
export async function openLines(
  target: BillingTarget,
  a: Pick<Action, 'agreement' | 'product'>,
  now: Date,
): Promise<BilledLine[]> {
  return (await target.lines(a.agreement.id, [a.product.id])).filter(
    (x) => isOpen(x, now) && x.productId === a.product.id,
  );
}

export const ids = (lines: Array<{ id: number }>) => lines.map((l) => l.id).join(', ');
