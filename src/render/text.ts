/**
 * The plan for a terminal, in the markdown's order: the verdict with its money; errors, the
 * refusal, held changes, conflicts, likely double billing; every change by customer with its
 * unit price, reason and subtotal; the other lines on the agreements it changes; what is not
 * billed, per customer; warnings; then where the usage came from and the fingerprint.
 */
import type { Plan } from '../reconcile/types.js';
import {
  byCustomer,
  type ChangeRow,
  changeRow,
  counts,
  doubleBilled,
  headline,
  notBilledByValue,
  notBilledRow,
  notBilledTitle,
  otherWarnings,
  shownPlan,
  totalsLine,
  unmanagedOf,
  unmanagedRow,
  usageStamp,
} from './group.js';
import { CURRENCY, moneyChange } from './money.js';

export interface TextOptions {
  color: boolean;
  /** Warnings beyond this many are counted, not listed. */
  maxWarnings?: number;
  /** For the age of a usage snapshot. */
  now?: Date;
}

const paint = (on: boolean, code: number, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/** Left-aligned columns, numbers right-aligned; `color` paints a cell after padding. */
function table(rows: string[][], right: Set<number>, color?: (cell: string, col: number) => string): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map(
    (r) =>
      `  ${r
        .map((cell, i) => {
          const padded = right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
          return color ? color(padded, i) : padded;
        })
        .join('  ')
        .trimEnd()}`,
  );
}

const cells = (r: ChangeRow) => [r.customer, r.agreement, r.product, r.quantities, r.unitPrice, r.price];
const CHANGE_HEAD = ['customer', 'agreement', 'product', 'before -> after', 'unit price', 'change', 'why'];

/** Each customer's changes, named on its first row, with a subtotal row when it has several. */
function changeRows(plan: Plan): string[][] {
  return byCustomer(plan.actions).flatMap((g) => {
    const rows = g.actions.map((a, i) => {
      const r = cells(changeRow(a));
      return [i === 0 ? r[0]! : '', i === 0 ? r[1]! : '', ...r.slice(2), changeRow(a).reason];
    });
    if (g.actions.length > 1) rows.push(['', '  subtotal', '', '', '', moneyChange(g.net), '']);
    return rows;
  });
}

function errorLines(plan: Plan, c: boolean): string[] {
  if (!plan.errors.length) return [];
  return [
    '',
    paint(c, 31, `Errors (${plan.errors.length}): nothing is planned for these`),
    ...plan.errors.map(
      (e) =>
        `  x ${e.where}: ${e.customer ? `${e.customer}: ` : ''}${e.message}${e.fix ? `\n      fix: ${e.fix}` : ''}`,
    ),
  ];
}

function heldLines(plan: Plan, c: boolean): string[] {
  if (!plan.held.length) return [];
  return [
    '',
    paint(c, 33, `Held (${plan.held.length}): not applied without --force, not in the total`),
    ...table(
      plan.held.map((h) => [...cells(changeRow(h)), h.reason, changeRow(h).reason]),
      new Set([4, 5]),
    ),
  ];
}

function conflictLines(plan: Plan, c: boolean): string[] {
  if (!plan.conflicts.length) return [];
  return [
    '',
    paint(c, 33, 'Conflicts (reported, never touched):'),
    ...plan.conflicts.map(
      (k) =>
        `  ${k.company.identifier} / ${k.agreement.name}: ${k.reason} (lines ${k.additionIds.join(', ')}; usage says ${k.desired})`,
    ),
  ];
}

function doubleBillingLines(plan: Plan, c: boolean): string[] {
  const doubled = doubleBilled(plan);
  if (!doubled.length) return [];
  return [
    '',
    paint(c, 33, `Likely double billing (${doubled.length}): lines cwsync does not manage bill what it bills`),
    ...doubled.map((u) => {
      const r = unmanagedRow(u);
      return `  ! ${r.customer} (${r.agreement}): ${r.line} x${r.quantity} at ${r.unitPrice}: ${u.doubleBilling}`;
    }),
  ];
}

function alerts(plan: Plan, c: boolean): string[] {
  const refusal = plan.safety.refusal
    ? ['', paint(c, 33, `Apply will refuse this whole plan without --force: ${plan.safety.refusal}`)]
    : [];
  return [
    ...errorLines(plan, c),
    ...refusal,
    ...heldLines(plan, c),
    ...conflictLines(plan, c),
    ...doubleBillingLines(plan, c),
  ];
}

function changes(plan: Plan, c: boolean): string[] {
  if (plan.actions.length === 0) return [];
  const colour = (cell: string, i: number) =>
    i === 5 && cell.trim().startsWith('+')
      ? paint(c, 32, cell)
      : i === 5 && cell.trim().startsWith('-')
        ? paint(c, 31, cell)
        : cell;
  return [
    '',
    paint(c, 1, `Changes (${plan.actions.length}): ${totalsLine(plan.actions, ', ')}`),
    ...table([CHANGE_HEAD, ...changeRows(plan)], new Set([4, 5]), colour),
  ];
}

function others(plan: Plan, c: boolean): string[] {
  const out: string[] = [];
  const lines = unmanagedOf(plan);
  if (lines.length) {
    out.push(
      '',
      paint(c, 1, `Other lines on these agreements (${lines.length}): not managed by cwsync, never written`),
    );
    const rows = lines.map((u) => {
      const r = unmanagedRow(u);
      return [r.customer, r.agreement, r.line, `x${r.quantity}`, r.unitPrice, r.note];
    });
    out.push(...table(rows, new Set([3, 4])));
  }
  if (plan.notBilled.length) {
    out.push('', paint(c, 33, `${notBilledTitle(plan)}:`));
    const rows = notBilledByValue(plan.notBilled).map((r) => {
      const b = notBilledRow(r);
      return [b.customer, b.service, `${b.users} users`, b.why, b.product, b.value];
    });
    out.push(...table(rows, new Set([2, 5])));
  }
  return out;
}

export function renderText(raw: Plan, options: TextOptions): string {
  // Text from the APIs or the config is shown escaped (control and bidi characters): escaped where it enters.
  const plan = shownPlan(raw);
  const c = options.color;
  // Not billed has its own section below; the first line stays the verdict, money and counts.
  const out: string[] = [`${paint(c, 1, headline(plan, { notBilled: false }))} (${counts(plan)})`];
  if (plan.scope) out.push(`Only ${plan.scope.customers.join(', ')} planned (--customer).`);
  out.push(...alerts(plan, c), ...changes(plan, c), ...others(plan, c));
  const warnings = otherWarnings(plan);
  if (warnings.length) {
    const max = options.maxWarnings ?? 50;
    out.push('', paint(c, 33, `Warnings (${warnings.length}):`));
    for (const w of warnings.slice(0, max)) out.push(`  ! ${w.message}`);
    if (warnings.length > max) out.push(`  ... and ${warnings.length - max} more (see the JSON plan)`);
  }
  out.push(
    '',
    `${usageStamp(plan, options.now)}; amounts in ${CURRENCY} per billing cycle`,
    `Fingerprint: ${plan.fingerprint}`,
  );
  return `${out.join('\n')}\n`;
}
