/**
 * The plan for a pull request: verdict and counts first, each agreement in <details>, the
 * fingerprint; kept under a size limit with a notice when cut.
 */
import type { Plan } from '../reconcile/types.js';
import { plural } from '../words.js';
import { byAgreement, quantityDiff, verdict } from './group.js';

export const MARKDOWN_LIMIT = 60_000;
const MAX_WARNINGS = 100;

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderMarkdown(plan: Plan, options: { limit?: number; title?: string } = {}): string {
  const limit = options.limit ?? MARKDOWN_LIMIT;
  const s = plan.summary;
  const head: string[] = [
    `### ${options.title ?? 'cwsync plan'}: ${verdict(plan)}`,
    '',
    '| create | update | cancel | unchanged | conflicts | warnings |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${s.create} | ${s.update} | ${s.cancel} | ${s.unchanged} | ${s.conflicts} | ${plan.warnings.length} |`,
    '',
  ];
  if (plan.errors.length)
    head.push(
      '> [!CAUTION]',
      `> ${plan.errors.length} binding error(s): nothing is planned for these`,
      ...plan.errors.map((e) => `> - ${cell(`${e.where}: ${e.message}${e.fix ? ` (fix: ${e.fix})` : ''}`)}`),
      '',
    );
  if (plan.held.length)
    head.push(
      '> [!WARNING]',
      `> ${plan.held.length} change(s) held, not applied without --force`,
      ...plan.held.map(
        (h) => `> - ${cell(`${h.company.identifier} / ${h.agreement.name}: ${h.product.identifier}: ${h.reason}`)}`,
      ),
      '',
    );
  const safety = plan.warnings.filter((w) => w.code === 'safety-limit');
  if (safety.length) head.push('> [!WARNING]', ...safety.map((w) => `> ${cell(w.message)}`), '');

  const sections: string[] = byAgreement(plan.actions).map((g) =>
    [
      `<details><summary>${escapeHtml(g.title)}: ${plural(g.actions.length, 'change')} (${escapeHtml(g.customer)})</summary>`,
      '',
      '```diff',
      ...quantityDiff(g.actions),
      '```',
      '',
      '| action | product | before | after | reason |',
      '|---|---|---:|---:|---|',
      ...g.actions.map(
        (a) =>
          `| ${a.action} | ${cell(a.product.identifier)} | ${a.before ?? ''} | ${a.action === 'cancel' ? 'cancelled' : a.after} | ${cell(a.reason)} |`,
      ),
      '',
      '</details>',
      '',
    ].join('\n'),
  );
  if (plan.conflicts.length) {
    sections.push(
      [
        '**Conflicts** (reported, never touched)',
        '',
        ...plan.conflicts.map(
          (c) =>
            `- ${cell(`${c.company.identifier} / ${c.agreement.name}: ${c.reason} (additions ${c.additionIds.join(', ')})`)}`,
        ),
        '',
      ].join('\n'),
    );
  }
  if (plan.warnings.length) {
    const listed = plan.warnings.slice(0, MAX_WARNINGS).map((w) => `- ${cell(w.message)}`);
    if (plan.warnings.length > MAX_WARNINGS)
      listed.push(`- … and ${plan.warnings.length - MAX_WARNINGS} more in the JSON plan`);
    sections.push(
      [`<details><summary>Warnings (${plan.warnings.length})</summary>`, '', ...listed, '', '</details>', ''].join(
        '\n',
      ),
    );
  }
  const foot = `Fingerprint \`${plan.fingerprint}\`${plan.source.commit ? ` · config at \`${plan.source.commit.slice(0, 12)}\`` : ''}${plan.source.dirty ? ' (uncommitted changes)' : ''}\n`;

  let body = `${head.join('\n')}\n`;
  let shown = 0;
  for (const section of sections) {
    const notice = `\n_… ${plural(sections.length - shown, 'more section')} not shown: the plan is too long for a comment. See the job summary or the JSON plan artifact._\n\n`;
    if (body.length + section.length + notice.length + foot.length > limit) {
      body += notice;
      return body + foot;
    }
    body += `${section}\n`;
    shown++;
  }
  return body + foot;
}
