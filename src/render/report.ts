/** The apply report: lines for a terminal as results arrive, and markdown for the job summary. */
import type { ActionResult, ApplyReport } from '../reconcile/apply.js';
import { escapeDeep, escapeText } from '../text-hygiene.js';
import { beforeText } from './group.js';

export function resultLine(raw: ActionResult): string {
  const r = escapeDeep(raw);
  const what = `${r.action} ${r.company.identifier} / ${r.agreement.name}: ${r.product.identifier} ${beforeText(r.before)} -> ${r.action === 'cancel' ? 'cancelled' : r.after}`;
  if (r.status === 'failed') return `FAILED   ${what}\n         ${r.error ?? ''}`;
  if (r.status === 'unknown') return `UNKNOWN  ${what}\n         ${r.error ?? ''}`;
  if (r.status === 'held') return `HELD     ${what}\n         ${r.held ?? ''}; apply with --force to apply it`;
  return `${r.status.padEnd(8)} ${what}${r.note ? ` (${r.note})` : ''}`;
}

export function summaryLine(report: ApplyReport): string {
  const s = report.summary;
  const forced = report.forced ? ` Forced by ${escapeText(report.actor ?? 'an unknown user')}.` : '';
  return `Applied ${s.applied}, failed ${s.failed}, unknown ${s.unknown}, held ${s.held}, skipped ${s.skipped}${s.skipped ? ' (conflicts)' : ''}, binding errors ${s.errors}.${forced}`;
}

export function renderReportMarkdown(raw: ApplyReport): string {
  // Text from the APIs or the config is shown escaped (control and bidi characters): escaped where it enters.
  const report = escapeDeep(raw);
  const rows = report.results.map(
    (r) =>
      `| ${r.status === 'applied' || r.status === 'skipped' ? r.status : `**${r.status}**`} | ${r.action} | ${r.company.identifier} / ${r.agreement.name} | ${r.product.identifier} | ${beforeText(r.before)} | ${r.action === 'cancel' ? 'cancelled' : r.after} | ${(r.error ?? r.held ?? r.note ?? '').replace(/\|/g, '\\|')} |`,
  );
  return [
    `### cwsync apply: ${summaryLine(report)}`,
    '',
    ...(rows.length
      ? [
          '| status | action | agreement | product | before | after | detail |',
          '|---|---|---|---|---:|---:|---|',
          ...rows,
          '',
        ]
      : ['No changes.', '']),
    ...report.errors.map((e) =>
      `- **error** ${e.where}: ${e.message}${e.fix ? ` (fix: ${e.fix})` : ''}`.replace(/\n/g, ' '),
    ),
    ...report.skipped.map(
      (c) => `- skipped (conflict): ${c.company.identifier} / ${c.agreement.name} ${c.product.identifier}: ${c.reason}`,
    ),
    `Fingerprint \`${report.fingerprint}\``,
    '',
  ].join('\n');
}
