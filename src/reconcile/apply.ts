/**
 * Applies a plan through a BillingTarget. The core enforces safety itself: a plan over
 * maxChangePercent is refused and held actions are not applied, unless forced. One failure
 * does not stop the others; every action ends applied, failed, unknown, held or skipped.
 * A create whose answer was lost is read back and never sent twice in one run.
 */
import { forEachLimit } from '../concurrency.js';
import type { Policy } from '../config/types.js';
import { CwsyncError, withHint } from '../errors.js';
import type { Logger } from '../log.js';
import { isoSeconds } from '../time.js';
import { type BillingTarget, isOpen, OutcomeUnknown } from './ports.js';
import { checkSafety, holdReason, raiseIfUnsafe } from './safety.js';
import type { Action, BindingError, Conflict, HeldAction, Plan } from './types.js';

export type ResultStatus = 'applied' | 'failed' | 'unknown' | 'held' | 'skipped';

export interface ActionResult extends Action {
  status: ResultStatus;
  /** The addition written (for a create, the new one when known). */
  resultAdditionId?: number;
  error?: string;
  note?: string;
  /** Why a held action was not applied, or, when forced, why it had been held. */
  held?: string;
}

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
  skipped: Array<Conflict & { status: 'skipped' }>;
  errors: BindingError[];
  warnings: Plan['warnings'];
}

export interface ApplyOptions {
  now: Date;
  concurrency: number;
  force: boolean;
  actor: string | null;
  logger?: Logger;
  onResult?: (r: ActionResult) => void;
  /** The wall clock for the report's times; tests pass a fixed one. */
  clock?: () => Date;
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

async function openLines(target: BillingTarget, a: Action, now: Date) {
  return (await target.lines(a.agreement.id, [a.product.id])).filter(
    (x) => isOpen(x, now) && x.productId === a.product.id,
  );
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
      : target.cancel(a.agreement.id, a.additionId!, cancelledDate(now));
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
      if (!(err instanceof OutcomeUnknown)) return { ...a, status: 'failed', error: withHint(err) };
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

async function create(target: BillingTarget, a: Action, policy: Policy, now: Date): Promise<ActionResult> {
  try {
    const created = await target.create(a.agreement.id, {
      productId: a.product.id,
      quantity: a.after,
      billCustomer: policy.billCustomer,
      effectiveDate: effectiveDate(policy.effectiveDate, now),
    });
    return { ...a, status: 'applied', ...(created.id !== null ? { resultAdditionId: created.id } : {}) };
  } catch (err) {
    if (!(err instanceof OutcomeUnknown)) return { ...a, status: 'failed', error: withHint(err) };
    // Never POST again: the request may still land. Look for the addition the lost answer may have created.
    let open: Awaited<ReturnType<typeof openLines>>;
    try {
      open = await openLines(target, a, now);
    } catch (readErr) {
      return {
        ...a,
        status: 'unknown',
        error: `${withHint(err)}; reading back to check whether it landed failed too (${withHint(readErr)}); the next run settles it`,
      };
    }
    const mine = open.find((x) => x.quantity === a.after) ?? open[0];
    if (mine)
      return {
        ...a,
        status: 'applied',
        resultAdditionId: mine.id,
        note: 'confirmed by reading it back after the answer was lost',
      };
    return {
      ...a,
      status: 'unknown',
      error: `${withHint(err)}; not found when read back, but it may still land, so it was not sent again; the next run settles it`,
    };
  }
}

function applyOne(target: BillingTarget, a: Action, policy: Policy, now: Date): Promise<ActionResult> {
  return a.action === 'create' ? create(target, a, policy, now) : patch(target, a, now);
}

const unhold = ({ actionReason, reason, ...a }: HeldAction): Action & { held: string } => ({
  ...a,
  reason: actionReason,
  held: reason,
});

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

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
    return `changes addition ${a.additionId}, which the plan did not read with quantity ${a.before}`;
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
  const todo: Array<Action & { held?: string }> = options.force ? [...actions, ...held.map(unhold)] : actions;
  const results: ActionResult[] = new Array(todo.length);
  await forEachLimit(todo, options.concurrency, async (a, i) => {
    const r = await applyOne(target, a, policy, options.now);
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
  };
}

/** Exit 1 when anything needs a human: a failed, unknown or held action, or a binding error. */
export function needsAttention(report: ApplyReport): boolean {
  const s = report.summary;
  return s.failed + s.unknown + s.held + s.errors > 0;
}
