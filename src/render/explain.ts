/**
 * `cwsync explain` for a terminal: user groups -> services -> bundles -> overrides -> desired
 * quantity per product, the agreement's open lines (managed and not), and what the next plan
 * would do there, in the words and columns the plan uses.
 */
import type { Explanation } from '../reconcile/explain.js';
import { escapeDeep } from '../text-hygiene.js';
import { plural } from '../words.js';
import { changeRow } from './group.js';
import { money } from './money.js';

/** Left-aligned columns; `right` holds the indexes of right-aligned ones. */
function columns(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    `    ${r.map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
  );
}

function head(e: Explanation): string[] {
  const who = e.usage
    ? `${e.usage.name} (customer ${e.usage.id} in ${e.source})`
    : `${e.customer} (not found in the usage)`;
  const out = [`${who}, bound at ${e.where}`];
  if (e.company && e.agreement)
    out.push(`  billed on ${e.company.identifier} / ${e.agreement.name} (agreement ${e.agreement.id})`);
  if (e.shared.length)
    out.push(`  shared with ${e.shared.join(', ')}: the agreement's quantities are the sum of its customers'`);
  return out;
}

function groups(e: Explanation): string[] {
  if (e.groups.length === 0) return ['', 'User groups: none with users'];
  const rows = e.groups.map((g) => {
    const counted = g.counted.map((c) => (c.label === c.product ? c.product : `${c.product} (${c.label})`));
    const notBilled = [
      ...g.unmapped.map((s) => `${s}: not in services.yaml, not billed`),
      ...g.notAssigned.map((s) => `${s}: Not Assigned`),
    ];
    return [
      g.name,
      `${g.users} users`,
      g.services.join(', ') || '(no services)',
      `-> ${[...counted, ...notBilled].join('; ') || 'nothing'}`,
    ];
  });
  return [
    '',
    `User groups (${e.groups.length}): services, and what each group's users are counted on`,
    ...columns(rows, new Set([1])),
  ];
}

function overrides(e: Explanation): string[] {
  if (e.overrides.length === 0) return [];
  const effect = (o: Explanation['overrides'][number]) =>
    o.result === null
      ? `${o.product} left alone on this agreement`
      : o.result === o.usage
        ? `no effect: usage is ${o.usage}`
        : `${o.product} ${o.usage} -> ${o.result}`;
  return [
    '',
    `Overrides (${e.overrides.length}):`,
    ...columns(e.overrides.map((o) => [`${o.target}: ${o.rule}`, effect(o)])),
  ];
}

function desired(e: Explanation): string[] {
  const rows = e.shares.map((s) => [s.product, String(s.quantity), s.reason]);
  const skipped = e.skipped.map((p) => `    ${p}: skipped by override, never written here`);
  if (rows.length === 0 && skipped.length === 0) return ['', 'Desired quantity: nothing to bill'];
  return ['', 'Desired quantity per product:', ...columns(rows, new Set([1])), ...skipped];
}

function lines(e: Explanation): string[] {
  if (!e.agreement) return [];
  if (e.lines.length === 0) return ['', `Open lines on ${e.agreement.name}: none`];
  const rows = e.lines.map((l) => [
    `line ${l.additionId}`,
    `${l.product}${l.description ? ` "${l.description}"` : ''}`,
    `x${l.quantity}`,
    l.unitPrice === null ? 'no price' : money(l.unitPrice),
    l.managed ? 'managed' : `not managed${l.doubleBilling ? `: likely double billing, ${l.doubleBilling}` : ''}`,
  ]);
  return ['', `Open lines on ${e.agreement.name} (${e.lines.length}):`, ...columns(rows, new Set([2, 3]))];
}

function next(e: Explanation): string[] {
  if (!e.agreement) return [];
  const { actions, held, conflicts, unchanged } = e.next;
  const out = ['', 'The next plan:'];
  for (const a of actions) {
    const r = changeRow(a);
    out.push(`    ${a.action} ${r.product} ${r.quantities}  ${r.price}  (${r.reason})`);
  }
  for (const h of held) {
    const r = changeRow(h);
    out.push(`    held: ${h.action} ${r.product} ${r.quantities}  ${r.price}: ${h.reason}`);
  }
  for (const c of conflicts) out.push(`    conflict: ${c.product.identifier}: ${c.reason}`);
  const changes = actions.length + held.length + conflicts.length;
  if (changes === 0)
    out.push(`    no change on this agreement${unchanged.length ? ` (unchanged: ${unchanged.join(', ')})` : ''}`);
  else if (unchanged.length) out.push(`    unchanged: ${unchanged.join(', ')}`);
  return out;
}

function errors(e: Explanation): string[] {
  if (e.errors.length === 0) return [];
  return [
    '',
    `${plural(e.errors.length, 'error')}: nothing is planned for this binding`,
    ...e.errors.map((x) => `    x ${x.where}: ${x.message}${x.fix ? `\n      fix: ${x.fix}` : ''}`),
  ];
}

export function renderExplanation(raw: readonly Explanation[]): string {
  // Text from the APIs or the config is shown escaped (control and bidi characters): escaped where it enters.
  const all = escapeDeep(raw);
  const blocks = all.map((e) =>
    [...head(e), ...errors(e), ...groups(e), ...overrides(e), ...desired(e), ...lines(e), ...next(e)].join('\n'),
  );
  return `${blocks.join('\n\n')}\n`;
}
