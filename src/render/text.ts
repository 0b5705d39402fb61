/**
 * The plan for a terminal, in the markdown's order: the verdict with its money, errors, the
 * refusal, held changes, every change in one table, what is not billed, conflicts, warnings,
 * then where the usage came from and the fingerprint.
 */
import type { Plan } from '../reconcile/types.js';
import {
  type ChangeRow,
  changeRow,
  counts,
  headline,
  notBilledByValue,
  notBilledRow,
  notBilledTitle,
  otherWarnings,
  usageStamp,
} from './group.js';
import { CURRENCY } from './money.js';

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

const cells = (r: ChangeRow) => [r.customer, r.agreement, r.product, r.quantities, r.delta, r.price];

export function renderText(plan: Plan, options: TextOptions): string {
  const c = options.color;
  // Not billed has its own section right below; the first line stays the verdict, money and counts.
  const out: string[] = [`${paint(c, 1, headline(plan, { notBilled: false }))} (${counts(plan)})`];
  if (plan.scope) out.push(`Only ${plan.scope.customers.join(', ')} planned (--customer).`);
  if (plan.errors.length) {
    out.push('', paint(c, 31, `Errors (${plan.errors.length}): nothing is planned for these`));
    for (const e of plan.errors)
      out.push(
        `  x ${e.where}: ${e.customer ? `${e.customer}: ` : ''}${e.message}${e.fix ? `\n      fix: ${e.fix}` : ''}`,
      );
  }
  if (plan.safety.refusal)
    out.push('', paint(c, 33, `Apply will refuse this whole plan without --force: ${plan.safety.refusal}`));
  if (plan.held.length) {
    out.push('', paint(c, 33, `Held (${plan.held.length}): not applied without --force, not in the total`));
    out.push(
      ...table(
        plan.held.map((h) => [...cells(changeRow(h)), h.reason]),
        new Set([4, 5]),
      ),
    );
  }
  if (plan.actions.length) {
    out.push('', paint(c, 1, `Changes (${plan.actions.length}):`));
    const rows = [
      ['customer', 'agreement', 'product', 'before -> after', 'delta', 'price'],
      ...plan.actions.map((a) => cells(changeRow(a))),
    ];
    out.push(
      ...table(rows, new Set([4, 5]), (cell, i) =>
        i === 4 && cell.trim().startsWith('+')
          ? paint(c, 32, cell)
          : i === 4 && cell.trim().startsWith('-')
            ? paint(c, 31, cell)
            : cell,
      ),
    );
  }
  if (plan.notBilled.length) {
    out.push('', paint(c, 33, `${notBilledTitle(plan)}:`));
    const rows = notBilledByValue(plan.notBilled).map((r) => {
      const b = notBilledRow(r);
      return [b.customer, b.service, `${b.users} users`, b.product, b.value];
    });
    out.push(...table(rows, new Set([2, 4])));
  }
  if (plan.conflicts.length) {
    out.push('', paint(c, 33, 'Conflicts (reported, never touched):'));
    for (const k of plan.conflicts)
      out.push(
        `  ${k.company.identifier} / ${k.agreement.name}: ${k.reason} (additions ${k.additionIds.join(', ')}; usage says ${k.desired})`,
      );
  }
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
