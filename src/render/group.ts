/**
 * What the text and markdown renderers share, so both say the same thing in the same order:
 * the verdict with its money, one row per change, the not-billed rows, the usage stamp.
 */
import type { Action, NotBilled, Plan, UnmanagedLine, Warning } from '../reconcile/types.js';
import { escapeDeep } from '../text-hygiene.js';
import { plural } from '../words.js';
import { money, moneyChange, signed } from './money.js';

/**
 * The plan as the text and markdown renderers show it: every text escaped (control and bidi
 * characters), less what only machines read and neither renderer shows (the recorded inputs
 * and the observed lines, an entry per agreement: at 20,000 customers, copying them to escape
 * them was most of what rendering the text allocated).
 */
export function shownPlan(raw: Plan): Plan {
  return escapeDeep({ ...raw, observed: [], inputs: undefined });
}

function verdict(plan: Plan): string {
  const n = plan.actions.length;
  if (n === 0) return 'No changes';
  const agreements = new Set(plan.actions.map((a) => a.agreement.id)).size;
  return `${plural(n, 'change')} on ${plural(agreements, 'agreement')}`;
}

/** apply's first line: what it is about to write; a forced run counts the held changes it lifts. */
export function applyVerdict(plan: Plan, force: boolean): string {
  if (!force || plan.held.length === 0) return `${verdict(plan)} (${counts(plan)})`;
  const n = plan.actions.length + plan.held.length;
  const agreements = new Set([...plan.actions, ...plan.held].map((a) => a.agreement.id)).size;
  return `${plural(n, 'change')} on ${plural(agreements, 'agreement')}, including ${plural(plan.held.length, 'held change')} (--force) (${counts(plan)})`;
}

export function counts(plan: Plan): string {
  const s = plan.summary;
  const extra = [s.held ? `${s.held} held` : '', s.errors ? plural(s.errors, 'error') : ''].filter(Boolean);
  return `${s.create} to create, ${s.update} to update, ${s.cancel} to cancel, ${s.unchanged} unchanged, ${plural(s.conflicts, 'conflict')}${extra.length ? `, ${extra.join(', ')}` : ''}`;
}

/** Like plural, with thousands separators: user counts run into the tens of thousands. */
const users = (n: number) => `${n.toLocaleString('en-US')} user${n === 1 ? '' : 's'}`;

/** "+$412.50 per billing cycle", with how many changes have no known price; '' without changes. */
function moneyLine(plan: Plan): string {
  if (plan.actions.length === 0) return '';
  const unpriced = plan.actions.filter((a) => a.priceChange === null).length;
  const total = `${moneyChange(plan.summary.priceChange)} per billing cycle`;
  if (unpriced === plan.actions.length) return 'price unknown';
  return unpriced ? `${total} (${plural(unpriced, 'change')} without a known price)` : total;
}

/** "24 users not billed ($52.50)"; '' when everything is billed. */
function notBilledLine(plan: Plan): string {
  const n = plan.summary.notBilled;
  if (n.users === 0) return '';
  return `${users(n.users)} not billed${n.value ? ` (${money(n.value)})` : ''}`;
}

/** The one line a reviewer reads first: errors, changes, held, money, not billed, refusal. */
export function headline(plan: Plan, options: { notBilled?: boolean } = {}): string {
  return [
    plan.errors.length ? plural(plan.errors.length, 'error') : '',
    verdict(plan),
    plan.held.length ? `${plan.held.length} held` : '',
    moneyLine(plan),
    options.notBilled === false ? '' : notBilledLine(plan),
    plan.safety.refusal ? 'apply would refuse it without --force' : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

export interface ChangeRow {
  customer: string;
  agreement: string;
  product: string;
  /** "10 -> 12", "new -> 12", "10 -> 0 (cancel)" (markdown uses →). */
  quantities: string;
  delta: string;
  /** Per unit per billing cycle: "$3.50", or "no price". */
  unitPrice: string;
  price: string;
  /** Why this quantity: users in groups, a bundle, an override. */
  reason: string;
}

/** "new" for a line that does not exist yet: plan, apply and the report say it alike. */
export const beforeText = (before: number | null): string => (before === null ? 'new' : String(before));

export function changeRow(a: Action, arrow = '->'): ChangeRow {
  const before = a.before ?? 0;
  return {
    customer: a.customer,
    agreement: `${a.company.identifier} / ${a.agreement.name}`,
    product: a.product.identifier,
    quantities: `${beforeText(a.before)} ${arrow} ${a.after}${a.action === 'cancel' ? ' (cancel)' : ''}`,
    delta: signed(a.after - before),
    unitPrice: a.unitPrice === null ? 'no price' : money(a.unitPrice),
    price: a.priceChange === null ? 'price unknown' : moneyChange(a.priceChange),
    reason: 'actionReason' in a ? String(a.actionReason) : a.reason,
  };
}

/** One customer's (one agreement's) changes with their money, as a reviewer reads them. */
export interface CustomerChanges {
  customer: string;
  agreement: string;
  actions: Action[];
  /** Sum of the rises in money, of the falls (negative), and both. */
  increase: number;
  decrease: number;
  net: number;
  /** Changes without a known price. */
  unpriced: number;
}

function tally(actions: readonly Action[]): Pick<CustomerChanges, 'increase' | 'decrease' | 'net' | 'unpriced'> {
  let increase = 0;
  let decrease = 0;
  let unpriced = 0;
  for (const a of actions) {
    if (a.priceChange === null) unpriced++;
    else if (a.priceChange > 0) increase += a.priceChange;
    else decrease += a.priceChange;
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return { increase: round(increase), decrease: round(decrease), net: round(increase + decrease), unpriced };
}

/** The changes grouped by customer and agreement, in the plan's order. */
export function byCustomer(actions: readonly Action[]): CustomerChanges[] {
  const groups = new Map<string, Action[]>();
  for (const a of actions) {
    const key = `${a.customer}\u0000${a.agreement.id}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.values()]
    .map((list) => ({
      customer: list[0]!.customer,
      agreement: `${list[0]!.company.identifier} / ${list[0]!.agreement.name}`,
      actions: list,
      ...tally(list),
    }))
    .sort((a, b) => a.customer.localeCompare(b.customer) || a.agreement.localeCompare(b.agreement));
}

/** The biggest money moved first, so the top of a long list is what matters. */
export function byMoneyMoved(groups: readonly CustomerChanges[]): CustomerChanges[] {
  return [...groups].sort(
    (a, b) => b.increase - b.decrease - (a.increase - a.decrease) || a.customer.localeCompare(b.customer),
  );
}

/** "increases +$230.00 · decreases -$14.00 · net +$216.00 per billing cycle"; '' without changes. */
export function totalsLine(actions: readonly Action[], sep = ' · '): string {
  if (actions.length === 0) return '';
  const t = tally(actions);
  const unknown = t.unpriced ? ` (${plural(t.unpriced, 'change')} without a known price)` : '';
  return `increases ${moneyChange(t.increase)}${sep}decreases ${money(t.decrease)}${sep}net ${moneyChange(t.net)} per billing cycle${unknown}`;
}

export interface NotBilledRow {
  customer: string;
  service: string;
  users: number;
  /** "not bound", "service not mapped", "binding error". */
  why: string;
  product: string;
  value: string;
}

const WHY: Record<NonNullable<NotBilled['why']>, string> = {
  unbound: 'not bound',
  unmapped: 'service not mapped',
  'binding-error': 'binding error',
};

export function notBilledRow(r: NotBilled): NotBilledRow {
  return {
    customer: r.customer ? r.customer.name : '(across customers)',
    service: r.service,
    users: r.users,
    why: r.why ? WHY[r.why] : r.product ? 'not bound' : 'service not mapped',
    product: r.product ?? 'not mapped',
    value: r.unitPrice === null ? 'no price' : money(r.users * r.unitPrice),
  };
}

/** The biggest money first, so the top of a long list is what matters. */
export function notBilledByValue(rows: readonly NotBilled[]): NotBilled[] {
  const value = (r: NotBilled) => r.users * (r.unitPrice ?? 0);
  return [...rows].sort((a, b) => value(b) - value(a) || b.users - a.users);
}

export function notBilledTitle(plan: Plan): string {
  const n = plan.summary.notBilled;
  const errored = plan.notBilled.filter((r) => r.why === 'binding-error').reduce((k, r) => k + r.users, 0);
  const also = errored ? `; and ${users(errored)} whose binding has an error (not planned this run)` : '';
  return `Not billed: ${users(n.users)}${n.value ? `, ${money(n.value)} per billing cycle at catalog prices` : ''}${also}`;
}

export interface UnmanagedRow {
  customer: string;
  agreement: string;
  /** "MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle"" */
  line: string;
  quantity: number;
  unitPrice: string;
  /** "likely double billing: ..." or ''. */
  note: string;
}

export function unmanagedRow(u: UnmanagedLine): UnmanagedRow {
  const product = u.product.identifier ?? `product ${u.product.id}`;
  return {
    customer: u.customer,
    agreement: `${u.company.identifier} / ${u.agreement.name}`,
    line: `${product}${u.description ? ` "${u.description}"` : ''} (line ${u.additionId})`,
    quantity: u.quantity,
    unitPrice: u.unitPrice === null ? 'no price' : money(u.unitPrice),
    note: u.doubleBilling ? `likely double billing: ${u.doubleBilling}` : '',
  };
}

/** The unmanaged lines, those that likely double bill first. */
export function unmanagedOf(plan: Plan): UnmanagedLine[] {
  const all = plan.unmanaged ?? [];
  return [...all.filter((u) => u.doubleBilling), ...all.filter((u) => !u.doubleBilling)];
}

export const doubleBilled = (plan: Plan): UnmanagedLine[] => (plan.unmanaged ?? []).filter((u) => u.doubleBilling);

/** Warnings not already shown as not-billed rows, unmanaged lines or the refusal. */
export function otherWarnings(plan: Plan): Warning[] {
  const shown = new Set<Warning['code']>();
  if (doubleBilled(plan).length) shown.add('double-billing');
  if (plan.notBilled.length) shown.add('unbound-customer').add('unmapped-service');
  if (plan.safety.refusal) shown.add('safety-limit');
  return plan.warnings.filter((w) => !shown.has(w.code));
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function age(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 90) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  return hours < 48 ? plural(hours, 'hour') : plural(Math.round(hours / 24), 'day');
}

/** Where the billing system's state came from, when not read live with the write keys: a snapshot and its age. */
function targetStamp(plan: Plan, now: Date): string {
  const t = plan.target;
  if (!t) return '';
  const at = t.capturedAt && !Number.isNaN(Date.parse(t.capturedAt)) ? t.capturedAt : null;
  if (!at) return `; ${t.label}`;
  return `; ${t.label}, captured ${utc(at)} (${age(now.getTime() - Date.parse(at))} old)`;
}

/** When and where usage was read: "read live from Mailprotector reseller 343 at 2026-11-26 02:17 UTC". */
export function usageStamp(plan: Plan, now: Date = new Date()): string {
  return usageOnlyStamp(plan, now) + targetStamp(plan, now);
}

function usageOnlyStamp(plan: Plan, now: Date): string {
  const u = plan.usage;
  const at = u.capturedAt && !Number.isNaN(Date.parse(u.capturedAt)) ? u.capturedAt : null;
  if (u.source === 'snapshot') {
    if (!at) return `usage from ${u.label}, capture time unknown`;
    return `usage from ${u.label}, captured ${utc(at)} (${age(now.getTime() - Date.parse(at))} old)`;
  }
  const how = u.live ? 'read live from' : 'read from';
  return `usage ${how} ${u.label}${at ? ` at ${utc(at)}` : ''}`;
}
