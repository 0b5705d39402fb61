/**
 * The nightly's one GitHub issue: opened when a run needs a human (binding errors, held,
 * failed or unknown actions, a refusal, a failed run), updated in place on later nights (a
 * comment only when what needs a human changed), closed with a comment when a full night is
 * clean. Found by a hidden marker among the open issues the token's own identity created, so a
 * person's issue quoting the marker is never touched. Needs only `issues: write`.
 */
import { createHash } from 'node:crypto';
import { CwsyncError } from '../errors.js';
import type { HttpResponse, Method } from '../http/transport.js';
import type { Logger } from '../log.js';
import type { ApplyReport } from '../reconcile/apply.js';
import type { Action, BindingError, Conflict, Plan } from '../reconcile/types.js';
import { escapeDeep } from '../text-hygiene.js';
import { type ClientOptions, GitHubApi, type GitHubRepo, githubRepoFromEnv } from './api.js';
import { refusePublicRepository } from './visibility.js';

export const ISSUE_MARKER = '<!-- cwsync:nightly-issue -->';
export const ISSUE_LABEL = 'cwsync-nightly';
const ISSUE_TITLE = 'cwsync: the nightly apply needs a human';
/** GitHub refuses bodies over 65,536 characters; keep a margin. */
const MAX_ISSUE_BODY = 60_000;

export type GitHubEnv = GitHubRepo;

export function githubEnv(env: NodeJS.ProcessEnv = process.env): GitHubEnv {
  return githubRepoFromEnv(env, 'cwsync notify');
}

export interface IssueRecord {
  number: number;
  body?: string | null;
  state?: string;
  html_url?: string;
  user?: { login?: string } | null;
  pull_request?: unknown;
}

/** Pages of open issues read at most: more than this many bot issues is an error, never a silent cut. */
const MAX_PAGES = 10;

/** One repository's issues, through the one GitHub client. */
export class IssueClient {
  private readonly api: GitHubApi;

  constructor(
    readonly gh: GitHubEnv,
    logger?: Logger,
    overrides: Omit<ClientOptions, 'permissions'> = {},
  ) {
    this.api = new GitHubApi(gh, logger, { ...overrides, permissions: 'issues: write' });
  }

  get requests(): number {
    return this.api.requests;
  }

  /** `path` from the API root, e.g. `/repos/o/r/issues`. */
  request<T>(method: Method, path: string, label: string, body?: unknown): Promise<HttpResponse<T>> {
    return this.api.request<T>(method, `/${path}`, label, body);
  }

  login(): Promise<string> {
    return this.api.login();
  }

  /** The issue holds customer names and counts: refused (exit 3) in a public repository unless allowed. */
  refusePublic(allowPublic: boolean): Promise<void> {
    return refusePublicRepository(this.api, allowPublic, 'cwsync notify');
  }

  /** The open issue this identity created that carries the marker (the oldest, if several). */
  async findOpen(login: string): Promise<IssueRecord | undefined> {
    const repo = `/repos/${this.gh.repository}`;
    const found: IssueRecord[] = [];
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES)
        throw new CwsyncError(`GitHub list open issues by ${login}: more than ${MAX_PAGES} pages`, {
          hint: `close old issues opened by ${login}, then run again`,
        });
      const res = await this.request<unknown>(
        'GET',
        `${repo}/issues?state=open&creator=${encodeURIComponent(login)}&per_page=100&page=${page}&sort=created&direction=asc`,
        'list open issues',
      );
      if (!Array.isArray(res.body))
        throw new CwsyncError('GitHub list open issues did not answer with a list', {
          hint: 'check GITHUB_API_URL (it should be the REST API root, e.g. https://api.github.com)',
        });
      const issues = res.body as IssueRecord[];
      for (const i of issues)
        if (
          i &&
          typeof i.number === 'number' &&
          !i.pull_request &&
          i.user?.login === login &&
          typeof i.body === 'string' &&
          i.body.startsWith(ISSUE_MARKER)
        )
          found.push(i);
      if (found.length > 0 || issues.length < 100 || !/rel="?next"?/.test(res.headers.get('link') ?? '')) break;
    }
    return found[0];
  }

  async create(title: string, body: string): Promise<IssueRecord> {
    const res = await this.request<IssueRecord>(
      'POST',
      `/repos/${this.gh.repository}/issues`,
      'open the nightly issue',
      { title, body, labels: [ISSUE_LABEL] },
    );
    return res.body;
  }

  async update(issue: number, fields: { body?: string; state?: 'closed'; state_reason?: 'completed' }): Promise<void> {
    await this.request('PATCH', `/repos/${this.gh.repository}/issues/${issue}`, 'update the nightly issue', fields);
  }

  async comment(issue: number, body: string): Promise<void> {
    await this.request(
      'POST',
      `/repos/${this.gh.repository}/issues/${issue}/comments`,
      'comment on the nightly issue',
      {
        body,
      },
    );
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

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

export function assess(facts: RunFacts): Assessment {
  const { report, plan } = facts;
  const errors = report?.errors ?? plan?.errors ?? [];
  const held: Assessment['held'] = report
    ? report.results.filter((r) => r.status === 'held').map((r) => ({ ...r, why: r.held ?? 'over the safety limit' }))
    : (plan?.held ?? []).map((h) => ({ ...h, reason: h.actionReason, why: h.reason }));
  const failed = (report?.results ?? [])
    .filter((r) => r.status === 'failed' || r.status === 'unknown')
    .map((r) => ({ status: r.status, action: r as Action, error: r.error ?? r.note ?? '' }));
  const conflicts: Conflict[] = report?.skipped ?? plan?.conflicts ?? [];
  const stop = stepStop(facts) ?? report?.stopped;
  const scoped = Boolean(report?.scope ?? plan?.scope);
  const needsHuman =
    Boolean(stop) || facts.unreadable.length > 0 || errors.length + held.length + failed.length + conflicts.length > 0;
  const parts: string[] = [];
  if (errors.length) parts.push(`${errors.length} binding error${errors.length === 1 ? '' : 's'}`);
  if (held.length) parts.push(`${held.length} held change${held.length === 1 ? '' : 's'}`);
  const nFailed = failed.filter((f) => f.status === 'failed').length;
  const nUnknown = failed.length - nFailed;
  if (conflicts.length) parts.push(`${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}`);
  if (nFailed) parts.push(`${nFailed} failed`);
  if (nUnknown) parts.push(`${nUnknown} unknown`);
  if (stop) parts.push(stop.startsWith('`') ? `${stop.split(' (')[0]}` : 'the run did not finish');
  const headline = needsHuman
    ? `Needs a human: ${parts.join(', ') || 'see below'}.`
    : `Clean: applied ${report?.summary.applied ?? 0}, nothing held, failed or in error.`;
  const key = (a: Action) => `${a.action}|${a.agreement.id}|${a.product.id}|${a.after}`;
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        e: errors.map((e) => `${e.where}|${e.message}`).sort(),
        h: held.map(key).sort(),
        f: failed.map((f) => `${f.status}|${key(f.action)}`).sort(),
        c: conflicts.map((c) => c.additionIds.join('|')).sort(),
        s: stop ?? null,
        u: facts.unreadable.length,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  return { needsHuman, scoped, headline, errors, held, failed, conflicts, stop, digest };
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

export function issueBody(rawA: Assessment, rawFacts: RunFacts, gh: Pick<GitHubEnv, 'runUrl'>): string {
  // Text from the APIs or the config is shown escaped (control and bidi characters): escaped where it enters.
  const a = escapeDeep(rawA);
  const facts = escapeDeep(rawFacts);
  const when = facts.now.toISOString().replace(/\.\d+Z$/, 'Z');
  const run = gh.runUrl ? `[this run](${gh.runUrl})` : 'this run';
  const src = facts.report?.source ?? facts.plan?.source;
  const out: string[] = [
    ISSUE_MARKER,
    `<!-- cwsync:digest ${a.digest} -->`,
    `### ${a.headline}`,
    '',
    `Last seen ${when} in ${run}${src?.commit ? ` at config commit \`${src.commit.slice(0, 12)}\`` : ''}${
      facts.report?.forced ? `, forced by ${md(facts.report.actor ?? 'someone')}` : ''
    }. This issue is updated by every nightly run and closed by the first clean one.`,
    '',
  ];
  if (a.stop) {
    out.push('#### The run stopped', '', `${a.stop}.`, '');
    if (facts.logTail.length) out.push('Its last words:', '', ...fence(facts.logTail), '');
  }
  if (facts.unreadable.length) {
    out.push('#### Files the run should have left', '');
    for (const u of facts.unreadable) out.push(`- ${md(u)}`);
    out.push('');
  }
  if (a.errors.length) {
    out.push(
      '#### Bindings in error (not planned, not applied)',
      '',
      'Fix them in the config with a pull request; every other binding was applied as usual.',
      '',
    );
    for (const e of a.errors)
      out.push(
        `- \`${md(e.where)}\`${e.customer ? ` ${md(e.customer)}` : ''}: ${md(e.message)}${e.fix ? ` — fix: ${md(e.fix)}` : ''}`,
      );
    out.push('');
  }
  if (a.held.length) {
    const customers = [...new Set(a.held.map((h) => h.customer))];
    out.push(
      '#### Held changes (over a safety limit, not applied)',
      '',
      '**To approve them:** Actions → *cwsync apply* → **Run workflow** on the default branch, with ' +
        '`force` ticked and `customers` set to ' +
        `\`${customers.map((c) => c.replace(/`/g, "'")).join(', ')}\`` +
        '. A reviewer of the `cwsync-approval` environment approves the run; the report records that it was forced and by whom. ' +
        'If the change is wrong, fix the usage or the config instead, and the next night releases the hold.',
      '',
      '| customer | agreement | product | before → after | why held |',
      '|---|---|---|---|---|',
    );
    for (const h of a.held)
      out.push(
        `| ${md(h.customer)} | ${md(h.agreement.name)} | ${md(h.product.identifier)} | ${h.before ?? 0} → ${h.after} | ${md(h.why)} |`,
      );
    out.push('');
  }
  if (a.conflicts.length) {
    out.push(
      '#### Conflicts: two open lines of one product (never touched)',
      '',
      'The customer is billed twice for these. Cancel the extra line in ConnectWise by hand; the next run then manages the one left.',
      '',
    );
    for (const c of a.conflicts)
      out.push(
        `- ${md(c.customer)} / ${md(c.agreement.name)} / ${md(c.product.identifier)}: additions ${c.additionIds.join(' and ')} are both open (usage says ${c.desired})`,
      );
    out.push('');
  }
  if (a.failed.length) {
    out.push(
      '#### Failed or unknown actions',
      '',
      'The next run re-reads everything and converges. A create whose outcome is unknown is never sent twice: no run creates that line again until it has been seen, or has stayed absent past the settle time (15 minutes by default).',
      '',
    );
    for (const f of a.failed)
      out.push(
        `- **${f.status}** ${f.action.action} ${md(f.action.customer)} / ${md(f.action.agreement.name)} / ${md(f.action.product.identifier)} → ${f.action.after}: ${md(f.error)}`,
      );
    out.push('');
  }
  let body = `${out.join('\n').trimEnd()}\n`;
  if (body.length > MAX_ISSUE_BODY) {
    const notice = `\n\n_… cut: the list is longer than an issue can hold; the full report is in the run's artifact${gh.runUrl ? ` (${gh.runUrl})` : ''}._\n`;
    const cut = body.lastIndexOf('\n', MAX_ISSUE_BODY - notice.length);
    body = `${body.slice(0, cut)}${notice}`;
  }
  return body;
}

export type IssueOutcome =
  | { kind: 'opened' | 'updated' | 'unchanged' | 'closed' | 'commented'; number: number }
  | { kind: 'none' };

/** Brings the one nightly issue in line with this run. */
export async function syncNightlyIssue(client: IssueClient, facts: RunFacts): Promise<IssueOutcome> {
  const a = assess(facts);
  const login = await client.login();
  const open = await client.findOpen(login);
  const run = client.gh.runUrl ? ` ([run](${client.gh.runUrl}))` : '';
  if (!a.needsHuman) {
    if (!open) return { kind: 'none' };
    if (a.scoped) {
      await client.comment(
        open.number,
        `A run narrowed to ${md((facts.report?.scope?.customers ?? facts.plan?.scope?.customers ?? []).join(', '))} was clean${
          facts.report?.forced ? `, forced by ${md(facts.report.actor ?? 'someone')}` : ''
        }: applied ${facts.report?.summary.applied ?? 0}${run}. The next nightly run over every customer closes this issue if it is clean too.`,
      );
      return { kind: 'commented', number: open.number };
    }
    await client.comment(open.number, `${a.headline} Closing.${run}`);
    await client.update(open.number, { state: 'closed', state_reason: 'completed' });
    return { kind: 'closed', number: open.number };
  }
  const body = issueBody(a, facts, client.gh);
  if (!open) {
    const created = await client.create(ISSUE_TITLE, body);
    return { kind: 'opened', number: created.number };
  }
  if (a.scoped) {
    await client.comment(
      open.number,
      `A run narrowed to some customers: ${a.headline}${run}\n\n${body.split('\n').slice(3).join('\n')}`,
    );
    return { kind: 'commented', number: open.number };
  }
  const before = /<!-- cwsync:digest (\w+) -->/.exec(open.body ?? '')?.[1];
  if (open.body === body) return { kind: 'unchanged', number: open.number };
  await client.update(open.number, { body });
  if (before !== a.digest) await client.comment(open.number, `What needs a human changed: ${a.headline}${run}`);
  return { kind: 'updated', number: open.number };
}
