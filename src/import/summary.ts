/** The proposals as markdown for a pull request body: counts, then one row per customer. */

import { plural } from '../words.js';
import { showScore } from './match.js';
import { commentText } from './render.js';
import type { Proposal } from './types.js';

const MAX_ROWS = 100;

/** Names from servers inside a table cell: no pipes, no HTML, no @mentions, no line breaks. */
function cell(text: string): string {
  return commentText(text)
    .replace(/[\\`*_[\]|#]/g, (m) => `\\${m}`)
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;');
}

const STATUS = { accepted: 'accepted', review: 'to review (commented out)', unmatched: 'unmatched' } as const;

export function renderSummary(proposals: Proposal[]): string {
  const n = (v: Proposal['verdict']) => proposals.filter((p) => p.verdict === v).length;
  const rows = proposals.slice(0, MAX_ROWS).map((p) => {
    const best = p.match.best;
    const company =
      best && p.verdict !== 'unmatched' ? `${cell(best.company.name)} (${cell(best.company.identifier)})` : '–';
    const score = best && p.verdict !== 'unmatched' ? showScore(best.score) : '–';
    return `| ${cell(p.customer.name)} (#${p.customer.id}) | ${p.customer.users ?? '–'} | ${company} | ${score} | ${STATUS[p.verdict]} |`;
  });
  const more = proposals.length > MAX_ROWS ? [`\n_… and ${proposals.length - MAX_ROWS} more in the file._`] : [];
  return [
    `**${plural(proposals.length, 'customer')}**: **${n('accepted')}** accepted, **${n('review')}** to review, **${n('unmatched')}** unmatched.`,
    '',
    '| Mailprotector customer | users | ConnectWise company | score | status |',
    '|---|---:|---|---:|---|',
    ...rows,
    ...more,
  ].join('\n');
}
