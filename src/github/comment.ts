/**
 * The one sticky plan comment on a pull request. It is found by a hidden marker among the
 * comments written by this workflow's own identity only (a person quoting the marker is never
 * edited), updated in place, and left alone when nothing but the time usage was read changed.
 */
import { readFileSafely } from '../config/safe-file.js';
import { CwsyncError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import { type ErrorFacts, Transport } from '../http/transport.js';
import type { Logger } from '../log.js';
import { stableText } from '../render/markdown.js';

export const MARKER = '<!-- cwsync:plan-comment -->';
/** GitHub refuses comment bodies over 65,536 characters; keep a margin. */
export const MAX_BODY = 65_000;
/** The identity of the Actions GITHUB_TOKEN, which cannot call GET /user. */
export const ACTIONS_BOT = 'github-actions[bot]';
const MAX_EVENT_BYTES = 32 * 1024 * 1024;

export interface GitHubContext {
  token: string;
  repository: string;
  apiUrl: string;
  pullNumber: number;
  /** CWSYNC_COMMENT_AUTHOR: the login whose comment is ours, when GET /user cannot say. */
  author?: string;
}

export type CommentOutcome = { kind: 'created' | 'updated' | 'unchanged'; id: number; url?: string; author: string };

export interface PullRequestEvent {
  number: number;
  /** The head commit the reviewer sees (GITHUB_SHA is the merge commit of refs/pull/N/merge). */
  headSha: string | undefined;
}

/** Reads GITHUB_EVENT_PATH if it is a regular file of sane size; undefined otherwise. */
function readEvent(path: string): unknown {
  try {
    return JSON.parse(
      readFileSafely(path, { maxBytes: MAX_EVENT_BYTES, display: 'GITHUB_EVENT_PATH' }).toString('utf8'),
    );
  } catch {
    return undefined;
  }
}

/** The pull request this run is for, from GITHUB_EVENT_PATH; undefined outside a pull request. */
export function pullRequestEvent(env: NodeJS.ProcessEnv = process.env): PullRequestEvent | undefined {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return undefined;
  const event = readEvent(path) as
    | {
        pull_request?: { number?: unknown; head?: { sha?: unknown } };
        issue?: { number?: unknown; pull_request?: unknown };
      }
    | undefined;
  const sha = event?.pull_request?.head?.sha;
  const headSha = typeof sha === 'string' && /^[0-9a-f]{7,64}$/i.test(sha) ? sha : undefined;
  if (typeof event?.pull_request?.number === 'number') return { number: event.pull_request.number, headSha };
  if (event?.issue?.pull_request && typeof event.issue.number === 'number')
    return { number: event.issue.number, headSha: undefined };
  return undefined;
}

export function pullRequestNumber(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return pullRequestEvent(env)?.number;
}

/** Closes the <details> a cut left open, so the comment stays valid HTML. */
function closeOpen(text: string): string {
  const open = (text.match(/<details[\s>]/g) ?? []).length - (text.match(/<\/details>/g) ?? []).length;
  return `${text}${'\n\n</details>'.repeat(Math.max(0, open))}`;
}

/** The marker, then the markdown; a body too long (only --body-file can be) is cut at a line. */
export function commentBody(markdown: string): string {
  const body = `${MARKER}\n${markdown.trimEnd()}\n`;
  if (body.length <= MAX_BODY) return body;
  const notice =
    '\n\n> [!IMPORTANT]\n> **Cut here:** the text is longer than a comment can hold. The full plan is in the plan artifact of this run.\n';
  const room = MAX_BODY - notice.length - 200;
  const kept = body.slice(0, body.lastIndexOf('\n', room) + 1 || room);
  return `${closeOpen(kept)}${notice}`;
}

function githubHint(f: ErrorFacts): string | undefined {
  if (f.status === 401) return 'GITHUB_TOKEN is missing or invalid';
  if (f.status === 403)
    return 'the workflow token may not write comments: give the job `permissions: pull-requests: write`';
  if (f.status === 404) return 'check GITHUB_REPOSITORY and that the token can see the repository';
  if (f.status === 422) return 'GitHub refused the comment body';
  return undefined;
}

interface IssueComment {
  id: number;
  body?: string;
  user?: { login?: string; type?: string } | null;
}

/** Whose comments are ours: the override, else the token's user, else (Actions token) the Actions bot. */
async function tokenAuthor(
  ctx: GitHubContext,
  get: (url: string, label: string) => Promise<{ body: unknown }>,
): Promise<string> {
  if (ctx.author) return ctx.author;
  try {
    const res = await get(`${ctx.apiUrl}/user`, 'read the identity of the token');
    const login = (res.body as { login?: unknown } | null)?.login;
    if (typeof login === 'string' && login) return login;
    throw new CwsyncError('GitHub GET /user answered without a login', {
      hint: 'set CWSYNC_COMMENT_AUTHOR to the login that writes the plan comment',
    });
  } catch (err) {
    // The Actions GITHUB_TOKEN is an app installation token: GET /user is refused for it.
    if (err instanceof HttpError && (err.status === 403 || err.status === 404)) return ACTIONS_BOT;
    throw err;
  }
}

export function isOurs(c: IssueComment, author: string): boolean {
  if (typeof c.body !== 'string' || !c.body.startsWith(MARKER)) return false;
  if (c.user?.login !== author) return false;
  return !author.endsWith('[bot]') || c.user?.type === 'Bot';
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
  const get = (url: string, label: string) => transport.request({ method: 'GET', url, headers, label });
  const body = commentBody(markdown);
  try {
    const author = await tokenAuthor({ ...ctx, apiUrl: api }, get);
    let existing: IssueComment | undefined;
    for (let page = 1; !existing && page <= 100; page++) {
      const res = await get(
        `${api}/repos/${ctx.repository}/issues/${ctx.pullNumber}/comments?per_page=100&page=${page}`,
        'list pull request comments',
      );
      const comments = Array.isArray(res.body) ? (res.body as IssueComment[]) : [];
      existing = comments.find((c) => isOurs(c, author));
      if (comments.length < 100 || !/rel="next"/.test(res.headers.get('link') ?? '')) break;
    }
    if (existing && stableText(existing.body ?? '') === stableText(body))
      return { kind: 'unchanged', id: existing.id, author };
    if (existing) {
      const res = await transport.request<{ id: number; html_url?: string }>({
        method: 'PATCH',
        url: `${api}/repos/${ctx.repository}/issues/comments/${existing.id}`,
        headers,
        body: { body },
        label: 'update the plan comment',
      });
      return { kind: 'updated', id: existing.id, url: res.body?.html_url, author };
    }
    const res = await transport.request<{ id: number; html_url?: string }>({
      method: 'POST',
      url: `${api}/repos/${ctx.repository}/issues/${ctx.pullNumber}/comments`,
      headers,
      body: { body },
      label: 'create the plan comment',
    });
    return { kind: 'created', id: res.body.id, url: res.body.html_url, author };
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
  const author = env.CWSYNC_COMMENT_AUTHOR?.trim() || undefined;
  return { token, repository, apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com', pullNumber, author };
}

/** The run's page, where its artifacts are listed; undefined outside Actions. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  return server && repo && id && /^\d+$/.test(id)
    ? `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${id}`
    : undefined;
}
