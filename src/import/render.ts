/**
 * The proposals as a customers file ready to review and commit: accepted bindings active, the
 * ones needing a decision commented out under the reason, the unmatched listed at the end.
 * Every value from a server is quoted when plain YAML could misread it, and every name in a
 * comment is cleaned of line breaks and control characters, so no name can add YAML.
 */
import { parse } from 'yaml';
import { plural } from '../words.js';
import { ACCEPT, MARGIN, REVIEW, showScore } from './match.js';
import type { Candidate, ImportCompany, Proposal } from './types.js';

export interface RenderMeta {
  /** When the systems were read, e.g. "2026-11-26 02:17 UTC"; left out, the file depends on the proposals alone. */
  generatedAt?: string;
  /** Where the data came from, e.g. "Mailprotector reseller 343 and ConnectWise company acme". */
  source: string;
  /** The command line that made it, e.g. 'cwsync import --agreement "Email*"'. */
  command: string;
  /** Customers skipped because they are already bound. */
  bound: number;
  /** Which file of a proposal split over several. */
  part?: { n: number; of: number };
  /** Anything the reader should know about how the data was read (e.g. domains missing). */
  notes?: string[];
}

const MAX_TEXT = 120;

/** Text from a server, safe inside a YAML comment: one line, no control or format characters. */
export function commentText(text: string): string {
  const one = text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').trim();
  return one.length > MAX_TEXT ? `${one.slice(0, MAX_TEXT - 1)}…` : one;
}

/** A scalar as YAML: plain when it reads back as the same string, else double-quoted with escapes. */
export function yamlScalar(value: string | number): string {
  if (typeof value === 'number') return String(value);
  if (/^[\p{L}\p{N}][\p{L}\p{N} .,&'()/-]*$/u.test(value) && !/[\s]$/.test(value)) {
    try {
      if (parse(value) === value) return value;
    } catch {
      // not plain-safe: quoted below
    }
  }
  return JSON.stringify(value).replace(
    /[\p{Cf}\p{Zl}\p{Zp}]/gu,
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

const companyText = (c: ImportCompany) => `${commentText(c.name)} (${commentText(c.identifier)})`;
const candidateText = (c: Candidate) => `${companyText(c.company)} ${showScore(c.score)}`;
const customerText = (p: Proposal) => `${commentText(p.customer.name)} (Mailprotector #${p.customer.id})`;

function entry(p: Proposal): string[] {
  const best = p.match.best!;
  const active = p.verdict === 'accepted';
  const lines = [`# ${customerText(p)} -> ${companyText(best.company)}`];
  const facts = [`${commentText(p.match.how)}`, `score ${showScore(best.score)}`];
  if (p.agreement?.kind === 'chosen') facts.push(`agreement: ${p.agreement.how}`);
  lines.push(`#   ${facts.join(' · ')}`);
  const doubts = [...(p.match.why ? [p.match.why] : []), ...p.notes].map(commentText);
  for (const d of doubts) lines.push(`#   ${active ? 'note' : 'to decide'}: ${d}`);
  if (p.match.rivals.length > 0) lines.push(`#   also close: ${p.match.rivals.map(candidateText).join('; ')}`);
  if (p.agreement?.kind === 'open' && p.agreement.candidates.length > 0)
    lines.push(
      `#   agreements: ${p.agreement.candidates.map((a) => `"${commentText(a.name)}" (id ${a.id}${a.type ? `, ${commentText(a.type)}` : ''})`).join(', ')}`,
    );
  const agreement =
    p.agreement?.kind === 'chosen'
      ? p.agreement.byId
        ? `{ id: ${p.agreement.agreement.id} }   # ${commentText(p.agreement.agreement.name)} (its name is not unique)`
        : yamlScalar(p.agreement.agreement.name)
      : '""   # write the agreement name here, or { id: N }';
  const binding = [
    `- customer: ${yamlScalar(p.customerRef)}${typeof p.customerRef === 'number' ? `   # ${commentText(p.customer.name)} (the name is not unique)` : ''}`,
    `  company: ${yamlScalar(best.company.identifier)}`,
    `  agreement: ${agreement}`,
  ];
  lines.push(...binding.map((l) => (active ? l : `# ${l}`)));
  return lines.map((l) => `  ${l}`);
}

function header(meta: RenderMeta, proposals: Proposal[]): string[] {
  const n = (v: Proposal['verdict']) => proposals.filter((p) => p.verdict === v).length;
  return [
    `# Bindings proposed by \`${commentText(meta.command)}\`${meta.generatedAt ? ` on ${meta.generatedAt}` : ''},`,
    `# from ${commentText(meta.source)}.${meta.part ? ` Part ${meta.part.n} of ${meta.part.of}.` : ''}`,
    `# ${plural(meta.bound, 'customer')} already bound ${meta.bound === 1 ? 'is' : 'are'} left out.`,
    ...(meta.notes ?? []).map((n) => `# note: ${commentText(n)}`),
    '#',
    '# Review before you commit; nothing here bills anything until `cwsync plan` shows it:',
    '#   - active entries matched with confidence: check them;',
    '#   - commented-out entries need a decision: fix and uncomment the right ones;',
    '#   - customers no company came near are listed at the end.',
    '# score: 1.00 = the same name once case, punctuation, spacing, accents, "&"/"and" and legal',
    '# forms (Ltd, Inc, GmbH, ...) are set aside; 0.98 = the same but for spacing; below, how close',
    '# the names are (0..1); a matching mail domain or company identifier lifts it to 0.95 or more.',
    `# Active from ${showScore(ACCEPT)} when no other company is within ${showScore(MARGIN)}; commented out from ${showScore(REVIEW)}.`,
    '#',
    `# accepted: ${n('accepted')} · to review: ${n('review')} · unmatched: ${n('unmatched')}`,
  ];
}

export function renderProposals(proposals: Proposal[], meta: RenderMeta): string {
  const accepted = proposals.filter((p) => p.verdict === 'accepted');
  const review = proposals.filter((p) => p.verdict === 'review');
  const unmatched = proposals.filter((p) => p.verdict === 'unmatched');
  const out = header(meta, proposals);
  if (accepted.length === 0) {
    out.push('customers: []');
    if (review.length > 0)
      out.push('# Nothing was accepted: to use an entry below, write `customers:` above and uncomment it.');
  } else out.push('customers:');
  accepted.forEach((p, i) => {
    if (i > 0) out.push('');
    out.push(...entry(p));
  });
  if (review.length > 0) {
    out.push('', '  # ---- to review: uncomment the ones that are right ----');
    for (const p of review) out.push('', ...entry(p));
  }
  if (unmatched.length > 0) {
    out.push('', `# ---- unmatched: no company scored ${showScore(REVIEW)} or more ----`);
    for (const p of unmatched) {
      const closest = p.match.best ? `closest ${candidateText(p.match.best)}` : commentText(p.match.how);
      out.push(`#   ${customerText(p)}: ${closest}`);
    }
  }
  return `${out.join('\n')}\n`;
}
