/**
 * The one sticky plan comment on a pull request: found by a hidden marker (never "the last
 * comment"), updated in place, left alone when unchanged, cut with a notice when too long.
 */
import { readFileSync } from 'node:fs';
import { CwsyncError } from '../errors.js';
import { type ErrorFacts, Transport } from '../http/transport.js';
import type { Logger } from '../log.js';

export const MARKER = '<!-- cwsync:plan-comment -->';
/** GitHub refuses comment bodies over 65,536 characters; keep a margin. */
export const MAX_BODY = 65_000;

export interface GitHubContext {
  token: string;
  repository: string;
  apiUrl: string;
  pullNumber: number;
}

export type CommentOutcome = { kind: 'created' | 'updated' | 'unchanged'; id: number; url?: string };

/** The pull request this run is for, from GITHUB_EVENT_PATH; undefined outside a pull request. */
export function pullRequestNumber(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return undefined;
  let event: { pull_request?: { number?: number }; issue?: { number?: number; pull_request?: unknown } };
  try {
    event = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof event.pull_request?.number === 'number') return event.pull_request.number;
  if (event.issue?.pull_request && typeof event.issue.number === 'number') return event.issue.number;
  return undefined;
}

export function commentBody(markdown: string): string {
  const body = `${MARKER}\n${markdown.trimEnd()}\n`;
  if (body.length <= MAX_BODY) return body;
  const notice =
    '\n\n_… cut: the plan is longer than a comment can hold. The full plan is in the job summary and the JSON plan artifact._\n';
  return `${body.slice(0, MAX_BODY - notice.length)}${notice}`;
}

function githubHint(f: ErrorFacts): string | undefined {
  if (f.status === 401) return 'GITHUB_TOKEN is missing or invalid';
  if (f.status === 403)
    return 'the workflow token may not write comments: give the job `permissions: pull-requests: write`';
  if (f.status === 404) return 'check GITHUB_REPOSITORY and that the token can see the repository';
  if (f.status === 422) return 'GitHub refused the comment body';
  return undefined;
}

export async function upsertComment(ctx: GitHubContext, markdown: string, logger?: Logger): Promise<CommentOutcome> {
  const transport = new Transport({ service: 'GitHub', concurrency: 2, logger, hint: githubHint, baseDelayMs: 200 });
  const api = ctx.apiUrl.replace(/\/+$/, '');
  const headers = {
    authorization: `Bearer ${ctx.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'cwsync',
  };
  const body = commentBody(markdown);
  try {
    let existing: { id: number; body?: string } | undefined;
    for (let page = 1; !existing; page++) {
      const res = await transport.request<Array<{ id: number; body?: string }>>({
        method: 'GET',
        url: `${api}/repos/${ctx.repository}/issues/${ctx.pullNumber}/comments?per_page=100&page=${page}`,
        headers,
        label: 'list pull request comments',
      });
      const comments = Array.isArray(res.body) ? res.body : [];
      existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(MARKER));
      if (comments.length < 100 || !/rel="next"/.test(res.headers.get('link') ?? '')) break;
    }
    if (existing && existing.body === body) return { kind: 'unchanged', id: existing.id };
    if (existing) {
      const res = await transport.request<{ id: number; html_url?: string }>({
        method: 'PATCH',
        url: `${api}/repos/${ctx.repository}/issues/comments/${existing.id}`,
        headers,
        body: { body },
        label: 'update the plan comment',
      });
      return { kind: 'updated', id: existing.id, url: res.body?.html_url };
    }
    const res = await transport.request<{ id: number; html_url?: string }>({
      method: 'POST',
      url: `${api}/repos/${ctx.repository}/issues/${ctx.pullNumber}/comments`,
      headers,
      body: { body },
      label: 'create the plan comment',
    });
    return { kind: 'created', id: res.body.id, url: res.body.html_url };
  } finally {
    await transport.close();
  }
}

export function githubContext(pullNumber: number, env: NodeJS.ProcessEnv = process.env): GitHubContext {
  const token = env.GITHUB_TOKEN;
  const repository = env.GITHUB_REPOSITORY;
  if (!token)
    throw new CwsyncError('GITHUB_TOKEN is not set', {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, shown to the user
      hint: 'pass it to the step: env: { GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} }',
    });
  if (!repository?.includes('/'))
    throw new CwsyncError('GITHUB_REPOSITORY is not set (owner/name)', {
      hint: 'run cwsync comment inside GitHub Actions',
    });
  return { token, repository, apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com', pullNumber };
}
