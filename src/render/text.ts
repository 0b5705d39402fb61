/** The plan for a terminal: the verdict first, then a diff per agreement, then warnings. */
import type { Plan } from '../reconcile/types.js';
import { byAgreement, counts, quantityDiff, verdict } from './group.js';

export interface TextOptions {
  color: boolean;
  /** Warnings beyond this many are counted, not listed. */
  maxWarnings?: number;
}

const paint = (on: boolean, code: number, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function renderText(plan: Plan, options: TextOptions): string {
  const c = options.color;
  const out: string[] = [`${paint(c, 1, verdict(plan))} (${counts(plan)})`];
  if (plan.errors.length) {
    out.push('', paint(c, 31, `Errors (${plan.errors.length}): nothing is planned for these`));
    for (const e of plan.errors) out.push(`  x ${e.where}: ${e.message}${e.fix ? `\n      fix: ${e.fix}` : ''}`);
  }
  if (plan.held.length) {
    out.push('', paint(c, 33, `Held (${plan.held.length}): not applied without --force`));
    for (const h of plan.held)
      out.push(
        `  ${h.company.identifier} / ${h.agreement.name}: ${h.product.identifier}: ${h.reason} (${h.actionReason})`,
      );
  }
  for (const g of byAgreement(plan.actions)) {
    out.push('', paint(c, 1, `${g.title}: ${g.customer}`));
    for (const line of quantityDiff(g.actions)) {
      if (line.startsWith('+') && !line.startsWith('+++')) out.push(paint(c, 32, line));
      else if (line.startsWith('-') && !line.startsWith('---')) out.push(paint(c, 31, line));
      else if (line.startsWith('@@')) out.push(paint(c, 36, line));
      else out.push(line);
    }
    for (const a of g.actions) out.push(`  ${a.action} ${a.product.identifier}: ${a.reason}`);
  }
  if (plan.conflicts.length) {
    out.push('', paint(c, 33, 'Conflicts (reported, never touched):'));
    for (const k of plan.conflicts)
      out.push(
        `  ${k.company.identifier} / ${k.agreement.name}: ${k.reason} (additions ${k.additionIds.join(', ')}; usage says ${k.desired})`,
      );
  }
  if (plan.warnings.length) {
    const max = options.maxWarnings ?? 50;
    out.push('', paint(c, 33, `Warnings (${plan.warnings.length}):`));
    for (const w of plan.warnings.slice(0, max)) out.push(`  ! ${w.message}`);
    if (plan.warnings.length > max) out.push(`  ... and ${plan.warnings.length - max} more (see the JSON plan)`);
  }
  out.push('', `Fingerprint: ${plan.fingerprint}`);
  return `${out.join('\n')}\n`;
}
