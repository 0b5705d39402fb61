/** What the text and markdown renderers share: actions grouped by agreement, and their diff. */
import { createTwoFilesPatch } from 'diff';
import type { Action, Plan } from '../reconcile/types.js';
import { plural } from '../words.js';

export interface AgreementChanges {
  title: string;
  customer: string;
  actions: Action[];
}

export function byAgreement(actions: readonly Action[]): AgreementChanges[] {
  const groups = new Map<number, AgreementChanges>();
  for (const a of actions) {
    const g = groups.get(a.agreement.id) ?? {
      title: `${a.company.identifier} / ${a.agreement.name} (agreement ${a.agreement.id})`,
      customer: a.customer,
      actions: [],
    };
    g.actions.push(a);
    groups.set(a.agreement.id, g);
  }
  return [...groups.values()];
}

/** A unified diff of `product: quantity` lines, from the current additions to the planned ones. */
export function quantityDiff(actions: readonly Action[]): string[] {
  const sorted = [...actions].sort((a, b) => a.product.identifier.localeCompare(b.product.identifier));
  const before = sorted.filter((a) => a.before !== null).map((a) => `${a.product.identifier}: ${a.before}`);
  const after = sorted.map((a) => `${a.product.identifier}: ${a.action === 'cancel' ? 'cancelled' : a.after}`);
  const patch = createTwoFilesPatch(
    'current',
    'planned',
    before.length ? `${before.join('\n')}\n` : '',
    `${after.join('\n')}\n`,
    '',
    '',
    { context: 0 },
  );
  return patch
    .split('\n')
    .filter((l) => l && !l.startsWith('====='))
    .map((l) => l.replace(/\t$/, ''));
}

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
