/**
 * A write is applied only when its answer says so (SPEC §3). ConnectWise may answer a PATCH
 * with a "false 200" (its Developer Guide warns of it; vendor evidence #26), so every answer is
 * compared with what was sent, and any difference makes the outcome unknown: the apply core
 * then reads the line back to settle it, and never reports it applied on trust.
 */
import { OutcomeUnknown } from '../reconcile/ports.js';
import type { Addition } from './types.js';

/** What a write asked for: the fields to find in its answer. */
export interface Sent {
  agreementId: number;
  /** The addition written (PATCH); undefined for a create. */
  additionId?: number;
  productId?: number;
  quantity?: number;
  /** For a create: none (the line must be open); for a cancel: the date sent. */
  cancelledDate?: string | null;
}

const sameInstant = (a: string | null | undefined, b: string | null | undefined): boolean => {
  if (!a || !b) return !a && !b;
  const x = Date.parse(a);
  const y = Date.parse(b);
  return !Number.isNaN(x) && x === y;
};

/** How the answer differs from what was sent, in words; empty when it agrees. */
function differences(sent: Sent, got: Addition): string[] {
  const out: string[] = [];
  if (sent.additionId !== undefined && got.id !== sent.additionId)
    out.push(`addition ${got.id}, not ${sent.additionId}`);
  if (got.agreementId !== undefined && got.agreementId !== sent.agreementId)
    out.push(`agreement ${got.agreementId}, not ${sent.agreementId}`);
  if (sent.productId !== undefined && got.product.id !== sent.productId)
    out.push(`product ${got.product.id}, not ${sent.productId}`);
  if (sent.quantity !== undefined && got.quantity !== sent.quantity)
    out.push(`quantity ${got.quantity}, not ${sent.quantity}`);
  if (sent.cancelledDate !== undefined && !sameInstant(got.cancelledDate, sent.cancelledDate))
    out.push(`cancelled date ${got.cancelledDate ?? 'none'}, not ${sent.cancelledDate ?? 'none'}`);
  return out;
}

/** Throws OutcomeUnknown when the answer contradicts what was sent. */
export function checkAnswer(call: string, sent: Sent, got: Addition): void {
  const diff = differences(sent, got);
  if (diff.length === 0) return;
  throw new OutcomeUnknown(
    `ConnectWise ${call} answered with success, but the addition it returned says ${diff.join(', ')}: the write may not have been applied`,
    {
      hint: 'cwsync reads the line back to settle it; if this repeats, the API member may lack a field permission, or ConnectWise ignored the change (a "false 200")',
    },
  );
}
