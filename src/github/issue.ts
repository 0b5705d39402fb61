/**
 * The nightly's one GitHub issue: opened when a run needs a human (binding errors, held,
 * failed or unknown actions, a refusal, a failed run), updated in place on later nights (a
 * comment only when what needs a human changed), closed with a comment when a full night is
 * clean. Found by a hidden marker among the open issues the token's own identity created, so a
 * person's issue quoting the marker is never touched. Needs only `issues: write`.
 */
import { PagingError } from '../errors.js';
import type { HttpResponse, Method } from '../http/transport.js';
import type { Logger } from '../log.js';
import { type ClientOptions, GitHubApi, type GitHubRepo, githubRepoFromEnv } from './api.js';
import { type Assessment, assess, ISSUE_MARKER, issueBody, md, type RunFacts } from './issue-body.js';
import { refusePublicRepository } from './visibility.js';

export const ISSUE_LABEL = 'cwsync-nightly';
const ISSUE_TITLE = 'cwsync: the nightly apply needs a human';

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
      const label = `list open issues by ${login}`;
      if (page > MAX_PAGES)
        throw new PagingError(
          this.api.call('GET', `/${repo}/issues`, label),
          `it runs past ${MAX_PAGES} pages, the most cwsync reads of it`,
          { hint: `close old issues opened by ${login}, then run again` },
        );
      const path = `${repo}/issues?state=open&creator=${encodeURIComponent(login)}&per_page=100&page=${page}&sort=created&direction=asc`;
      const res = await this.request<unknown>('GET', path, 'list open issues');
      if (!Array.isArray(res.body))
        throw this.api.notUnderstood(
          'GET',
          `/${path}`,
          'list open issues',
          res,
          'a JSON list of issues',
          'check GITHUB_API_URL (it should be the REST API root, e.g. https://api.github.com)',
        );
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

export type IssueOutcome =
  | { kind: 'opened' | 'updated' | 'unchanged' | 'closed' | 'commented'; number: number }
  | { kind: 'none' };

/** A clean run: a narrowed one only says so on the open issue; a full one closes it. */
async function settleClean(
  client: IssueClient,
  open: IssueRecord,
  a: Assessment,
  facts: RunFacts,
  run: string,
): Promise<IssueOutcome> {
  if (a.scoped) {
    const customers = facts.report?.scope?.customers ?? facts.plan?.scope?.customers ?? [];
    const forced = facts.report?.forced ? `, forced by ${md(facts.report.actor ?? 'someone')}` : '';
    await client.comment(
      open.number,
      `A run narrowed to ${md(customers.join(', '))} was clean${forced}: applied ${facts.report?.summary.applied ?? 0}${run}. The next nightly run over every customer closes this issue if it is clean too.`,
    );
    return { kind: 'commented', number: open.number };
  }
  await client.comment(open.number, `${a.headline} Closing.${run}`);
  await client.update(open.number, { state: 'closed', state_reason: 'completed' });
  return { kind: 'closed', number: open.number };
}

/** A run that needs a human, with the issue open: a narrowed run comments, a full one updates the body. */
async function updateOpen(
  client: IssueClient,
  open: IssueRecord,
  a: Assessment,
  body: string,
  run: string,
): Promise<IssueOutcome> {
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

/** Brings the one nightly issue in line with this run. */
export async function syncNightlyIssue(client: IssueClient, facts: RunFacts): Promise<IssueOutcome> {
  const a = assess(facts);
  const login = await client.login();
  const open = await client.findOpen(login);
  const run = client.gh.runUrl ? ` ([run](${client.gh.runUrl}))` : '';
  if (!a.needsHuman) return open ? settleClean(client, open, a, facts, run) : { kind: 'none' };
  const body = issueBody(a, facts, client.gh);
  if (open) return updateOpen(client, open, a, body, run);
  const created = await client.create(ISSUE_TITLE, body);
  return { kind: 'opened', number: created.number };
}
