/**
 * What the text and markdown renderers share, so both say the same thing in the same order:
 * the verdict with its money, one row per change, the not-billed rows, the usage stamp.
 */
import type { Action, NotBilled, Plan, Warning } from '../reconcile/types.js';
import { plural } from '../words.js';
import { money, moneyChange, signed } from './money.js';

export function verdict(plan: Plan): string {
  const n = plan.actions.length;
  if (n === 0) return 'No changes';
  const agreements = new Set(plan.actions.map((a) => a.agreement.id)).size;
  return `${plural(n, 'change')} on ${plural(agreements, 'agreement')}`;
}

export function counts(plan: Plan): string {
  const s = plan.summary;
  const extra = [s.held ? `${s.held} held` : '', s.errors ? plural(s.errors, 'error') : ''].filter(Boolean);
  return `${s.create} to create, ${s.update} to update, ${s.cancel} to cancel, ${s.unchanged} unchanged, ${plural(s.conflicts, 'conflict')}${extra.length ? `, ${extra.join(', ')}` : ''}`;
}

/** Like plural, with thousands separators: user counts run into the tens of thousands. */
const users = (n: number) => `${n.toLocaleString('en-US')} user${n === 1 ? '' : 's'}`;

/** "+$412.50 per billing cycle", with how many changes have no known price; '' without changes. */
export function moneyLine(plan: Plan): string {
  if (plan.actions.length === 0) return '';
  const unpriced = plan.actions.filter((a) => a.priceChange === null).length;
  const total = `${moneyChange(plan.summary.priceChange)} per billing cycle`;
  if (unpriced === plan.actions.length) return 'price unknown';
  return unpriced ? `${total} (${plural(unpriced, 'change')} without a known price)` : total;
}

/** "24 users not billed ($52.50)"; '' when everything is billed. */
export function notBilledLine(plan: Plan): string {
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
  price: string;
}

export function changeRow(a: Action, arrow = '->'): ChangeRow {
  const before = a.before ?? 0;
  const from = a.before === null ? 'new' : String(a.before);
  return {
    customer: a.customer,
    agreement: `${a.company.identifier} / ${a.agreement.name}`,
    product: a.product.identifier,
    quantities: `${from} ${arrow} ${a.after}${a.action === 'cancel' ? ' (cancel)' : ''}`,
    delta: signed(a.after - before),
    price: a.priceChange === null ? 'price unknown' : moneyChange(a.priceChange),
  };
}

export interface NotBilledRow {
  customer: string;
  service: string;
  users: number;
  product: string;
  value: string;
}

export function notBilledRow(r: NotBilled): NotBilledRow {
  return {
    customer: r.customer ? r.customer.name : '(across customers)',
    service: r.service,
    users: r.users,
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
  return `Not billed: ${users(n.users)}${n.value ? `, ${money(n.value)} per billing cycle at catalog prices` : ''}`;
}

/** Warnings not already shown as not-billed rows or as the refusal. */
export function otherWarnings(plan: Plan): Warning[] {
  const shown = new Set<Warning['code']>();
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

/** When and where usage was read: "read live from Mailprotector reseller 343 at 2026-11-26 02:17 UTC". */
export function usageStamp(plan: Plan, now: Date = new Date()): string {
  const u = plan.usage;
  const at = u.capturedAt && !Number.isNaN(Date.parse(u.capturedAt)) ? u.capturedAt : null;
  if (u.source === 'snapshot') {
    if (!at) return `usage from ${u.label}, capture time unknown`;
    return `usage from ${u.label}, captured ${utc(at)} (${age(now.getTime() - Date.parse(at))} old)`;
  }
  const how = u.source === 'mailprotector' ? 'read live from' : 'read from';
  return `usage ${how} ${u.label}${at ? ` at ${utc(at)}` : ''}`;
}
