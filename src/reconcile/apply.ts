/**
 * Applies a plan's actions with bounded concurrency. One failure does not stop the others;
 * every action ends applied, failed (with the reason) or skipped. A write whose answer was
 * lost is re-read before anything else happens, so a create is never duplicated.
 */

import { forEachLimit } from '../concurrency.js';
import type { Policy } from '../config/types.js';
import type { ConnectWiseClient } from '../connectwise/client.js';
import { eq } from '../connectwise/conditions.js';
import { type Addition, isOpen } from '../connectwise/types.js';
import { outcomeUnknown } from '../http/errors.js';
import type { Logger } from '../log.js';
import { isoSeconds } from '../time.js';
import type { Action, Conflict, Plan } from './types.js';

export type ResultStatus = 'applied' | 'failed' | 'skipped';

export interface ActionResult extends Action {
  status: ResultStatus;
  /** The addition written (for a create, the new one). */
  resultAdditionId?: number;
  error?: string;
  note?: string;
}

export interface ApplyReport {
  formatVersion: 1;
  startedAt: string;
  finishedAt: string;
  fingerprint: string;
  source: Plan['source'];
  summary: { applied: number; failed: number; skipped: number };
  results: ActionResult[];
  skipped: Array<Conflict & { status: 'skipped' }>;
  warnings: Plan['warnings'];
}

export function effectiveDate(policy: Policy['effectiveDate'], now: Date): string {
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

async function openAdditionsOf(client: ConnectWiseClient, a: Action, now: Date): Promise<Addition[]> {
  return (await client.additions(a.agreement.id, eq('product/id', a.product.id))).filter((x) => isOpen(x, now));
}

const message = (err: unknown) =>
  err instanceof Error
    ? `${err.message}${(err as { hint?: string }).hint ? ` (${(err as { hint?: string }).hint})` : ''}`
    : String(err);

async function applyOne(client: ConnectWiseClient, a: Action, policy: Policy, now: Date): Promise<ActionResult> {
  if (a.action === 'create') return create(client, a, policy, now);
  const ops =
    a.action === 'update'
      ? [{ op: 'replace' as const, path: 'quantity', value: a.after }]
      : [{ op: 'replace' as const, path: 'cancelledDate', value: cancelledDate(now) }];
  try {
    await client.patchAddition(a.agreement.id, a.additionId!, ops);
    return { ...a, status: 'applied', resultAdditionId: a.additionId! };
  } catch (err) {
    if (outcomeUnknown(err)) {
      // The PATCH may have landed: read it back rather than guess.
      const landed = await openAdditionsOf(client, a, now).then(
        (open) =>
          a.action === 'update'
            ? open.some((x) => x.id === a.additionId && x.quantity === a.after)
            : !open.some((x) => x.id === a.additionId),
        () => false,
      );
      if (landed)
        return {
          ...a,
          status: 'applied',
          resultAdditionId: a.additionId!,
          note: 'confirmed by reading it back after the answer was lost',
        };
    }
    return { ...a, status: 'failed', error: message(err) };
  }
}

async function create(client: ConnectWiseClient, a: Action, policy: Policy, now: Date): Promise<ActionResult> {
  const body = {
    product: { id: a.product.id },
    quantity: a.after,
    billCustomer: policy.billCustomer,
    effectiveDate: effectiveDate(policy.effectiveDate, now),
  };
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const created = await client.createAddition(a.agreement.id, body);
      return {
        ...a,
        status: 'applied',
        resultAdditionId: created?.id,
        ...(attempt > 1 ? { note: 'created on the second attempt, after checking the first had not landed' } : {}),
      };
    } catch (err) {
      lastError = err;
      if (!outcomeUnknown(err)) break;
      // Never POST again blindly: look for the addition the lost answer may have created.
      let open: Addition[];
      try {
        open = await openAdditionsOf(client, a, now);
      } catch (readErr) {
        return {
          ...a,
          status: 'failed',
          error: `${message(err)}; and re-reading to check whether it landed failed too: ${message(readErr)}`,
        };
      }
      if (open.length > 0) {
        const mine = open.find((x) => x.quantity === a.after) ?? open[0]!;
        return {
          ...a,
          status: 'applied',
          resultAdditionId: mine.id,
          note: 'confirmed by reading it back after the answer was lost',
        };
      }
    }
  }
  return { ...a, status: 'failed', error: message(lastError) };
}

export async function applyPlan(
  client: ConnectWiseClient,
  plan: Plan,
  policy: Policy,
  options: { now: Date; concurrency: number; logger?: Logger; onResult?: (r: ActionResult) => void },
): Promise<ApplyReport> {
  const startedAt = isoSeconds(new Date());
  const results: ActionResult[] = new Array(plan.actions.length);
  await forEachLimit(plan.actions, options.concurrency, async (a, i) => {
    const r = await applyOne(client, a, policy, options.now);
    options.logger?.info(
      { action: a.action, agreement: a.agreement.id, product: a.product.identifier, status: r.status },
      'action',
    );
    results[i] = r;
    options.onResult?.(r);
  });
  const skipped = plan.conflicts.map((c) => ({ ...c, status: 'skipped' as const }));
  return {
    formatVersion: 1,
    startedAt,
    finishedAt: isoSeconds(new Date()),
    fingerprint: plan.fingerprint,
    source: plan.source,
    summary: {
      applied: results.filter((r) => r.status === 'applied').length,
      failed: results.filter((r) => r.status === 'failed').length,
      skipped: skipped.length,
    },
    results,
    skipped,
    warnings: plan.warnings,
  };
}
