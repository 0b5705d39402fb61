/**
 * Never a duplicate (SPEC §3). A create is sent only after the agreement's lines were read again
 * and hold no open line of the product, and only when no earlier create of that line is still
 * unsettled. One whose outcome is unknown is never re-sent: a read-back that finds it settles
 * it; one that does not is remembered across runs. After a create the lines are read again: of
 * two open lines of the product (another writer raced this one), this run's is cancelled unless
 * it is the oldest, so two writers that both follow this leave exactly one.
 */
import type { Policy } from '../config/types.js';
import { withHint } from '../errors.js';
import { isoSeconds } from '../time.js';
import type { PendingLedger } from './pending.js';
import { type BilledLine, type BillingTarget, type PendingCreate, writeOutcomeUnknown } from './ports.js';
import type { Action } from './types.js';
import { type ActionResult, ids, openLines } from './writes.js';

export interface CreateContext {
  target: BillingTarget;
  policy: Policy;
  /** The run's date: effective and cancelled dates, and which lines are open. */
  now: Date;
  /** The wall clock: when a create was sent, and whether a pending one has settled. */
  clock: () => Date;
  ledger: PendingLedger;
  /** The billing system's name in messages (its adapter's); "the billing system" without it. */
  billing?: string;
}

const failed = (a: Action, error: string): ActionResult => ({ ...a, status: 'failed', error });

export async function createOnce(ctx: CreateContext, a: Action): Promise<ActionResult> {
  const pending = ctx.ledger.get(a.agreement.id, a.product.id);
  let open: BilledLine[];
  try {
    open = await openLines(ctx.target, a, ctx.now);
  } catch (err) {
    return failed(a, `reading the agreement's lines again before creating failed (${withHint(err)}); not created`);
  }
  if (open.length > 0) return alreadyThere(ctx, a, open, pending);
  if (pending && !ctx.ledger.settled(pending, ctx.clock())) return waiting(ctx, a, pending);
  if (pending) ctx.ledger.forget(a.agreement.id, a.product.id);
  const result = await send(ctx, a);
  return pending && result.status === 'applied'
    ? {
        ...result,
        note: `an earlier create of this line (at ${pending.since}) whose outcome was unknown stayed absent past the settle time, so it was created now${result.note ? `; ${result.note}` : ''}`,
      }
    : result;
}

/** The line exists now: an earlier unknown create landed, or another writer made it since the plan. */
function alreadyThere(ctx: CreateContext, a: Action, open: BilledLine[], pending?: PendingCreate): ActionResult {
  if (pending) ctx.ledger.forget(a.agreement.id, a.product.id);
  const how = pending
    ? `the earlier create of this line (at ${pending.since}), whose outcome was unknown, has landed as line ${ids(open)}`
    : `an open line of this product appeared since the plan was made (line ${ids(open)}, another writer's)`;
  const differs = open.length === 1 && open[0]!.quantity !== a.after;
  const more =
    open.length > 1
      ? `; ${open.length} open lines of one product are a conflict: cancel all but one by hand`
      : differs
        ? `; its quantity ${open[0]!.quantity} is set to ${a.after} by the next run`
        : '';
  return {
    ...a,
    status: open.length > 1 ? 'failed' : 'skipped',
    resultAdditionId: open[0]!.id,
    ...(open.length > 1 ? { error: `${how}: not created again${more}` } : { note: `${how}: not created again${more}` }),
  };
}

function waiting(ctx: CreateContext, a: Action, p: PendingCreate): ActionResult {
  return {
    ...a,
    status: 'unknown',
    error: `waiting: an earlier create of this line (at ${p.since}) got no usable answer and has not been seen since; it may still land, so it is not created again until it is seen, or until ${isoSeconds(ctx.ledger.until(p))} if it is still absent then (remembered in ${ctx.ledger.where})`,
  };
}

async function send(ctx: CreateContext, a: Action): Promise<ActionResult> {
  const sentAt = isoSeconds(ctx.clock());
  try {
    const created = await ctx.target.create(a.agreement.id, { productId: a.product.id, quantity: a.after }, ctx.now);
    return await afterCreate(ctx, a, created.id, created.unitPrice);
  } catch (err) {
    if (!writeOutcomeUnknown(err)) return failed(a, withHint(err));
    return settleUnknown(ctx, a, err, sentAt);
  }
}

/**
 * The price the new line got, when the target says (undefined: it does not report prices). The
 * plan priced a create at the catalog's price, which the billing system may not have copied.
 */
function priced(r: ActionResult, unitPrice: number | null | undefined): ActionResult {
  if (unitPrice === undefined || r.status !== 'applied') return r;
  const also = (note: string) => ({ note: r.note ? `${r.note}; ${note}` : note });
  if (unitPrice === null)
    return { ...r, resultUnitPrice: null, ...also('the price the new line got is unknown: check it') };
  if (unitPrice === r.unitPrice) return { ...r, resultUnitPrice: unitPrice };
  return {
    ...r,
    resultUnitPrice: unitPrice,
    ...also(`the new line's price is ${unitPrice} per unit, not the ${r.unitPrice ?? 'unknown'} planned`),
  };
}

/** Never POST again: the request may still land. Look for the line the lost answer may have created. */
async function settleUnknown(ctx: CreateContext, a: Action, err: unknown, since: string): Promise<ActionResult> {
  let open: BilledLine[] | undefined;
  let readProblem = '';
  try {
    open = await openLines(ctx.target, a, ctx.now);
  } catch (readErr) {
    readProblem = `; reading back to check whether it landed failed too (${withHint(readErr)})`;
  }
  const mine = open?.find((x) => x.quantity === a.after) ?? open?.[0];
  if (mine)
    return {
      ...a,
      status: 'applied',
      resultAdditionId: mine.id,
      note: 'confirmed by reading it back after the answer was lost',
    };
  const problem = ctx.ledger.remember({ agreement: a.agreement.id, product: a.product.id, quantity: a.after, since });
  const kept = problem
    ? `; it may still land, and ${problem}: check agreement ${a.agreement.id} in ${ctx.billing ?? 'the billing system'} before any run creates it again`
    : `; it may still land, so it was not sent again, and no run creates this line again until it is seen or ${Math.round(ctx.ledger.settleMs / 60_000)} minutes have passed with it absent (remembered in ${ctx.ledger.where})`;
  return {
    ...a,
    status: 'unknown',
    error: `${withHint(err)}${readProblem || '; not found when read back'}${kept}`,
  };
}

/** Read again after creating: of two open lines of the product, this run's goes unless it is the oldest. */
async function afterCreate(
  ctx: CreateContext,
  a: Action,
  id: number | null,
  answeredPrice?: number | null,
): Promise<ActionResult> {
  let applied: ActionResult = { ...a, status: 'applied', ...(id !== null ? { resultAdditionId: id } : {}) };
  let open: BilledLine[];
  try {
    open = await openLines(ctx.target, a, ctx.now);
  } catch (err) {
    return {
      ...priced(applied, answeredPrice),
      note: `reading the lines again after creating failed (${withHint(err)}): a line another writer made at the same time would show as a conflict in the next plan`,
    };
  }
  // The answer's price, else the price the line read back now carries (the target reports prices).
  const readPrice = open.find((x) => x.id === id)?.unitPrice ?? null;
  applied = priced(applied, answeredPrice === undefined ? undefined : (answeredPrice ?? readPrice));
  const others = open.filter((x) => x.id !== id);
  if (others.length === 0) return applied;
  if (id === null)
    return failed(
      a,
      `created, but the answer named no line and ${open.length} open lines of this product are there now (lines ${ids(open)}): cancel all but one by hand`,
    );
  const oldest = open.reduce((m, x) => (x.id < m.id ? x : m));
  if (oldest.id === id)
    return {
      ...applied,
      note: `another writer created line ${ids(others)} of this product at the same time; this one is the oldest, so it is kept (that writer cancels its own)`,
    };
  return cancelOwn(ctx, a, id, oldest.id);
}

async function cancelOwn(ctx: CreateContext, a: Action, id: number, kept: number): Promise<ActionResult> {
  const why = `created line ${id}, but another writer created line ${kept} of this product at the same time`;
  try {
    await ctx.target.cancel(a.agreement.id, id, ctx.now);
  } catch (err) {
    const still = await openLines(ctx.target, a, ctx.now).then(
      (open) => open.some((x) => x.id === id),
      () => true,
    );
    if (still)
      return {
        ...failed(a, `${why}; cancelling ${id} failed (${withHint(err)}): two open lines, cancel ${id} by hand`),
        resultAdditionId: id,
      };
  }
  return {
    ...a,
    status: 'skipped',
    resultAdditionId: kept,
    note: `${why}, so this run cancelled its own (${id}) and kept the oldest (${kept})`,
  };
}
