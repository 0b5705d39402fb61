/** The apply report: lines for a terminal as results arrive, and markdown for the job summary. */
import type { ActionResult, ApplyReport } from '../reconcile/apply.js';

export function resultLine(r: ActionResult): string {
  const what = `${r.action} ${r.company.identifier} / ${r.agreement.name}: ${r.product.identifier} ${r.before ?? '-'} -> ${r.action === 'cancel' ? 'cancelled' : r.after}`;
  if (r.status === 'failed') return `FAILED   ${what}\n         ${r.error ?? ''}`;
  return `${r.status.padEnd(8)} ${what}${r.note ? ` (${r.note})` : ''}`;
}

export function summaryLine(report: ApplyReport): string {
  const s = report.summary;
  return `Applied ${s.applied}, failed ${s.failed}, skipped ${s.skipped}${s.skipped ? ' (conflicts)' : ''}.`;
}

export function renderReportMarkdown(report: ApplyReport): string {
  const rows = report.results.map(
    (r) =>
      `| ${r.status === 'failed' ? '**failed**' : r.status} | ${r.action} | ${r.company.identifier} / ${r.agreement.name} | ${r.product.identifier} | ${r.before ?? ''} | ${r.action === 'cancel' ? 'cancelled' : r.after} | ${(r.error ?? r.note ?? '').replace(/\|/g, '\\|')} |`,
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
    ...report.skipped.map(
      (c) => `- skipped (conflict): ${c.company.identifier} / ${c.agreement.name} ${c.product.identifier}: ${c.reason}`,
    ),
    `Fingerprint \`${report.fingerprint}\``,
    '',
  ].join('\n');
}
