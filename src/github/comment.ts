/**
 * The one sticky plan comment on a pull request. It is found by a hidden marker among the
 * comments written by this workflow's own identity only (a person quoting the marker is never
 * edited), updated in place, and left alone when nothing but the time usage was read changed.
 */
import { readFileSafely } from '../config/safe-file.js';
import type { Logger } from '../log.js';
import { stableText } from '../render/markdown.js';
import { GitHubApi, type GitHubRepo, githubRepoFromEnv } from './api.js';
import { refusePublicRepository } from './visibility.js';

export const MARKER = '<!-- cwsync:plan-comment -->';
/** GitHub refuses comment bodies over 65,536 characters; keep a margin. */
export const MAX_BODY = 65_000;
const MAX_EVENT_BYTES = 32 * 1024 * 1024;

export interface GitHubContext extends GitHubRepo {
  pullNumber: number;
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

interface IssueComment {
  id: number;
  body?: string;
  user?: { login?: string; type?: string } | null;
}

function isOurs(c: IssueComment, author: string): boolean {
  if (typeof c.body !== 'string' || !c.body.startsWith(MARKER)) return false;
  if (c.user?.login !== author) return false;
  return !author.endsWith('[bot]') || c.user?.type === 'Bot';
}

export async function upsertComment(
  ctx: GitHubContext,
  markdown: string,
  logger?: Logger,
  options: { allowPublic?: boolean } = {},
): Promise<CommentOutcome> {
  const api = new GitHubApi(ctx, logger, { baseDelayMs: 200, permissions: 'pull-requests: write' });
  const body = commentBody(markdown);
  try {
    await refusePublicRepository(api, Boolean(options.allowPublic), 'cwsync comment');
    const author = await api.login();
    let existing: IssueComment | undefined;
    for (let page = 1; !existing && page <= 100; page++) {
      const res = await api.request<unknown>(
        'GET',
        `/issues/${ctx.pullNumber}/comments?per_page=100&page=${page}`,
        'list pull request comments',
      );
      const comments = Array.isArray(res.body) ? (res.body as IssueComment[]) : [];
      existing = comments.find((c) => isOurs(c, author));
      if (comments.length < 100 || !/rel="next"/.test(res.headers.get('link') ?? '')) break;
    }
    if (existing && stableText(existing.body ?? '') === stableText(body))
      return { kind: 'unchanged', id: existing.id, author };
    if (existing) {
      const res = await api.request<{ id: number; html_url?: string }>(
        'PATCH',
        `/issues/comments/${existing.id}`,
        'update the plan comment',
        { body },
      );
      return { kind: 'updated', id: existing.id, url: res.body?.html_url, author };
    }
    const res = await api.request<{ id: number; html_url?: string }>(
      'POST',
      `/issues/${ctx.pullNumber}/comments`,
      'create the plan comment',
      { body },
    );
    return { kind: 'created', id: res.body.id, url: res.body.html_url, author };
  } finally {
    await api.close();
  }
}

export function githubContext(pullNumber: number, env: NodeJS.ProcessEnv = process.env): GitHubContext {
  return { ...githubRepoFromEnv(env, 'cwsync comment'), pullNumber };
}

/** The run's page, where its artifacts are listed; undefined outside Actions. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  return server && repo && id && /^\d+$/.test(id)
    ? `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${id}`
    : undefined;
}
