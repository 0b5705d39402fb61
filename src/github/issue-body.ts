/**
 * What the nightly issue says about one run: the assessment (does it need a human, and a digest
 * of what does) and the issue's markdown body, cut to what GitHub accepts. Text from the APIs or
 * the config is escaped where it enters.
 */
import { createHash } from 'node:crypto';
import type { ApplyReport } from '../reconcile/apply.js';
import type { Action, BindingError, Conflict, Plan } from '../reconcile/types.js';
import { escapeDeep } from '../text-hygiene.js';

export const ISSUE_MARKER = '<!-- cwsync:nightly-issue -->';
/** GitHub refuses bodies over 65,536 characters; keep a margin. */
const MAX_ISSUE_BODY = 60_000;

/** What one run left behind, as the workflow hands it to `cwsync notify`. */
export interface RunFacts {
  report?: ApplyReport;
  plan?: Plan;
  /** Files that were given but could not be read, with why. */
  unreadable: string[];
  /** Each cwsync step's exit code, in order; null when the step did not run. */
  steps: Array<{ name: string; code: number | null }>;
  /** ${{ job.status }}: success, failure or cancelled; undefined when not given. */
  jobStatus?: string;
  /** The last plain (non-JSON) lines of the run's cwsync output. */
  logTail: string[];
  now: Date;
}

export interface Assessment {
  needsHuman: boolean;
  /** A run narrowed with --customer: it never closes the issue, it only reports on it. */
  scoped: boolean;
  /** One line: what happened. */
  headline: string;
  errors: BindingError[];
  held: Array<Action & { why: string }>;
  failed: Array<{ status: string; action: Action; error: string }>;
  /** Two open lines of one managed product: never touched, someone must cancel the extra one. */
  conflicts: Conflict[];
  /** The step that ended the run, and how. */
  stop?: string;
  /** A stable digest of what needs a human, to tell a new problem from the same one again. */
  digest: string;
}

const EXIT_MEANING: Record<number, string> = {
  1: 'an error: see the problems below and the log',
  2: 'changes (detailed exit code)',
  3: 'refused before any write',
};

function stepStop(facts: RunFacts): string | undefined {
  const bad = facts.steps.find((s) => s.code !== null && s.code !== 0 && s.code !== 2);
  if (bad) return `\`${bad.name}\` exited ${bad.code} (${EXIT_MEANING[bad.code!] ?? 'failed'})`;
  if (facts.jobStatus === 'cancelled') return 'the run was cancelled (or timed out) before it finished';
  if (facts.jobStatus && facts.jobStatus !== 'success')
    return 'the run failed outside cwsync (checkout, Node.js setup or npm ci): see the run log';
  return undefined;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function heldOf({ report, plan }: RunFacts): Assessment['held'] {
  if (report)
    return report.results
      .filter((r) => r.status === 'held')
      .map((r) => ({ ...r, why: r.held ?? 'over the safety limit' }));
  return (plan?.held ?? []).map((h) => ({ ...h, reason: h.actionReason, why: h.reason }));
}

/** The problems in a few words each, for the headline. */
function problemWords(a: Omit<Assessment, 'needsHuman' | 'scoped' | 'headline' | 'digest'>): string[] {
  const nFailed = a.failed.filter((f) => f.status === 'failed').length;
  const nUnknown = a.failed.length - nFailed;
  const words: Array<[number, string]> = [
    [a.errors.length, plural(a.errors.length, 'binding error')],
    [a.held.length, plural(a.held.length, 'held change')],
    [a.conflicts.length, plural(a.conflicts.length, 'conflict')],
    [nFailed, `${nFailed} failed`],
    [nUnknown, `${nUnknown} unknown`],
  ];
  const parts = words.filter(([n]) => n > 0).map(([, w]) => w);
  if (a.stop) parts.push(a.stop.startsWith('`') ? `${a.stop.split(' (')[0]}` : 'the run did not finish');
  return parts;
}

/** A stable digest of what needs a human, to tell a new problem from the same one again. */
function digestOf(a: Omit<Assessment, 'needsHuman' | 'scoped' | 'headline' | 'digest'>, unreadable: number): string {
  const key = (x: Action) => `${x.action}|${x.agreement.id}|${x.product.id}|${x.after}`;
  return createHash('sha256')
    .update(
      JSON.stringify({
        e: a.errors.map((e) => `${e.where}|${e.message}`).sort(),
        h: a.held.map(key).sort(),
        f: a.failed.map((f) => `${f.status}|${key(f.action)}`).sort(),
        c: a.conflicts.map((c) => c.additionIds.join('|')).sort(),
        s: a.stop ?? null,
        u: unreadable,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

export function assess(facts: RunFacts): Assessment {
  const { report, plan } = facts;
  const found = {
    errors: report?.errors ?? plan?.errors ?? [],
    held: heldOf(facts),
    failed: (report?.results ?? [])
      .filter((r) => r.status === 'failed' || r.status === 'unknown')
      .map((r) => ({ status: r.status, action: r as Action, error: r.error ?? r.note ?? '' })),
    conflicts: report?.skipped ?? plan?.conflicts ?? [],
    stop: stepStop(facts) ?? report?.stopped,
  };
  const scoped = Boolean(report?.scope ?? plan?.scope);
  const needsHuman =
    Boolean(found.stop) ||
    facts.unreadable.length > 0 ||
    found.errors.length + found.held.length + found.failed.length + found.conflicts.length > 0;
  const headline = needsHuman
    ? `Needs a human: ${problemWords(found).join(', ') || 'see below'}.`
    : `Clean: applied ${report?.summary.applied ?? 0}, nothing held, failed or in error.`;
  return { needsHuman, scoped, headline, ...found, digest: digestOf(found, facts.unreadable.length) };
}

/** Text from the report or the config, made safe for one markdown table cell or list item. */
export function md(text: unknown): string {
  return String(text ?? '')
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`)
    .replace(/@/g, '@\u200b');
}

const fence = (lines: string[]) => {
  const text = lines.join('\n').replace(/`{3,}/g, "'''");
  return ['```', text, '```'];
};

/** A section: its heading, what to do, and one line per item; nothing when there are no items. */
function section<T>(items: T[], heading: string, advice: string[], line: (item: T) => string): string[] {
  if (items.length === 0) return [];
  return [`#### ${heading}`, '', ...advice, ...items.map(line), ''];
}

function stopSection(a: Assessment, facts: RunFacts): string[] {
  if (!a.stop) return [];
  const tail = facts.logTail.length ? ['Its last words:', '', ...fence(facts.logTail), ''] : [];
  return ['#### The run stopped', '', `${a.stop}.`, '', ...tail];
}

function heldSection(a: Assessment): string[] {
  const customers = [...new Set(a.held.map((h) => h.customer))];
  const advice = [
    '**To approve them:** Actions → *cwsync apply* → **Run workflow** on the default branch, with ' +
      '`force` ticked and `customers` set to ' +
      `\`${customers.map((c) => c.replace(/`/g, "'")).join(', ')}\`` +
      '. A reviewer of the `cwsync-approval` environment approves the run; the report records that it was forced and by whom. ' +
      'If the change is wrong, fix the usage or the config instead, and the next night releases the hold.',
    '',
    '| customer | agreement | product | before → after | why held |',
    '|---|---|---|---|---|',
  ];
  return section(
    a.held,
    'Held changes (over a safety limit, not applied)',
    advice,
    (h) =>
      `| ${md(h.customer)} | ${md(h.agreement.name)} | ${md(h.product.identifier)} | ${h.before === null ? 'new' : h.before} → ${h.after} | ${md(h.why)} |`,
  );
}

/** Every section, in the order a reader acts on them. */
function sections(a: Assessment, facts: RunFacts): string[] {
  return [
    ...stopSection(a, facts),
    ...section(facts.unreadable, 'Files the run should have left', [], (u) => `- ${md(u)}`),
    ...section(
      a.errors,
      'Bindings in error (not planned, not applied)',
      ['Fix them in the config with a pull request; every other binding was applied as usual.', ''],
      (e) =>
        `- \`${md(e.where)}\`${e.customer ? ` ${md(e.customer)}` : ''}: ${md(e.message)}${e.fix ? ` — fix: ${md(e.fix)}` : ''}`,
    ),
    ...heldSection(a),
    ...section(
      a.conflicts,
      'Conflicts: two open lines of one product (never touched)',
      [
        'The customer is billed twice for these. Cancel the extra line in ConnectWise by hand; the next run then manages the one left.',
        '',
      ],
      (c) =>
        `- ${md(c.customer)} / ${md(c.agreement.name)} / ${md(c.product.identifier)}: lines ${c.additionIds.join(' and ')} are both open (usage says ${c.desired})`,
    ),
    ...section(
      a.failed,
      'Failed or unknown actions',
      [
        'The next run re-reads everything and converges. A create whose outcome is unknown is never sent twice: no run creates that line again until it has been seen, or has stayed absent past the settle time (15 minutes by default).',
        '',
      ],
      (f) =>
        `- **${f.status}** ${f.action.action} ${md(f.action.customer)} / ${md(f.action.agreement.name)} / ${md(f.action.product.identifier)} → ${f.action.after}: ${md(f.error)}`,
    ),
  ];
}

/** A body longer than GitHub takes is cut at a line, saying where the rest is. */
function cutToFit(body: string, runUrl: string | undefined): string {
  if (body.length <= MAX_ISSUE_BODY) return body;
  const notice = `\n\n_… cut: the list is longer than an issue can hold; the full report is in the run's artifact${runUrl ? ` (${runUrl})` : ''}._\n`;
  const cut = body.lastIndexOf('\n', MAX_ISSUE_BODY - notice.length);
  return `${body.slice(0, cut)}${notice}`;
}

export function issueBody(rawA: Assessment, rawFacts: RunFacts, gh: { runUrl?: string }): string {
  // Text from the APIs or the config is shown escaped (control and bidi characters): escaped where it enters.
  const a = escapeDeep(rawA);
  const facts = escapeDeep(rawFacts);
  const when = facts.now.toISOString().replace(/\.\d+Z$/, 'Z');
  const run = gh.runUrl ? `[this run](${gh.runUrl})` : 'this run';
  const src = facts.report?.source ?? facts.plan?.source;
  const commit = src?.commit ? ` at config commit \`${src.commit.slice(0, 12)}\`` : '';
  const forced = facts.report?.forced ? `, forced by ${md(facts.report.actor ?? 'someone')}` : '';
  const out = [
    ISSUE_MARKER,
    `<!-- cwsync:digest ${a.digest} -->`,
    `### ${a.headline}`,
    '',
    `Last seen ${when} in ${run}${commit}${forced}. This issue is updated by every nightly run and closed by the first clean one.`,
    '',
    ...sections(a, facts),
  ];
  return cutToFit(`${out.join('\n').trimEnd()}\n`, gh.runUrl);
}
