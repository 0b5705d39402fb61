/**
 * The one GitHub REST client (plan comment, nightly issue, new-customers pull request, forced-apply
 * approval, repository visibility), on the shared transport (retries, typed errors): the token
 * and repository from the environment, checked in one place; JSON in and out; lists paged by
 * their Link header to a hard cap. The token is sent, never logged or put in a message.
 */
import { type CallRef, CwsyncError, NotUnderstood, PagingError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import { describeAnswer } from '../http/shape.js';
import { type ErrorFacts, type HttpResponse, type Method, Transport } from '../http/transport.js';
import type { Logger } from '../log.js';

export interface GitHubRepo {
  token: string;
  /** owner/name */
  repository: string;
  apiUrl: string;
  /** Link to this run, when GITHUB_SERVER_URL and GITHUB_RUN_ID are set. */
  runUrl?: string;
  /** The token's login when known (CWSYNC_GITHUB_LOGIN, or CWSYNC_COMMENT_AUTHOR), else asked or assumed. */
  login?: string;
}

/** The login of the workflow token (GITHUB_TOKEN), an installation token that cannot ask GET /user who it is. */
const ACTIONS_BOT = 'github-actions[bot]';

/** The repository and token the workflow gives every step; errors say which variable is missing. */
export function githubRepoFromEnv(env: NodeJS.ProcessEnv = process.env, command = 'cwsync'): GitHubRepo {
  const token = env.GITHUB_TOKEN;
  const repository = env.GITHUB_REPOSITORY;
  if (!token)
    throw new CwsyncError('GITHUB_TOKEN is not set', {
      hint: `pass it to the step that runs ${command}: env: { GITHUB_TOKEN: \${{ github.token }} }`,
    });
  if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository))
    throw new CwsyncError('GITHUB_REPOSITORY is not set to owner/name', {
      hint: `run ${command} inside GitHub Actions, or set GITHUB_REPOSITORY=owner/name`,
    });
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const runId = env.GITHUB_RUN_ID && /^\d+$/.test(env.GITHUB_RUN_ID) ? env.GITHUB_RUN_ID : undefined;
  const login = (env.CWSYNC_GITHUB_LOGIN || env.CWSYNC_COMMENT_AUTHOR)?.trim() || undefined;
  return {
    token,
    repository,
    apiUrl,
    runUrl: runId ? `${server}/${repository}/actions/runs/${runId}` : undefined,
    login,
  };
}

export interface ClientOptions {
  baseDelayMs?: number;
  timeoutMs?: number;
  /** The job permissions the calls need, for the hint of a 403, e.g. `issues: write`. */
  permissions?: string;
}

/** What a 403 most likely means for the calls of one command: the permission its job needs. */
function forbiddenHint(said: string, permissions: string): string {
  if (said.includes('not permitted to create'))
    return 'open it with a GitHub App token (docs/setup.md, "New customers"), or allow it in the repository: Settings > Actions > General > "Allow GitHub Actions to create and approve pull requests"';
  if (said.includes('rate limit')) return 'GitHub rate limit reached; the next run will try again';
  return `the token lacks a permission: give this job \`permissions: { ${permissions} }\``;
}

const HINTS: Record<number, string> = {
  401: 'GITHUB_TOKEN is missing, expired or invalid',
  404: 'check GITHUB_REPOSITORY, and that the token can see the repository',
  410: 'issues are turned off for this repository: Settings > General > Features > Issues',
  422: 'GitHub refused what was sent (too long, or a label it cannot set)',
};

function hintFor(permissions: string) {
  return (f: ErrorFacts): string | undefined =>
    f.status === 403 ? forbiddenHint((f.message ?? '').toLowerCase(), permissions) : HINTS[f.status];
}

/** Pages of one list at most; a list longer than this is an error, never a silent cut. */
const MAX_PAGES = 20;

export class GitHubApi {
  private readonly transport: Transport;
  /** Requests made, for tests that count calls. */
  requests = 0;

  constructor(
    readonly repo: GitHubRepo,
    logger?: Logger,
    { permissions = 'contents: write, pull-requests: write', ...overrides }: ClientOptions = {},
  ) {
    this.transport = new Transport({
      service: 'GitHub',
      concurrency: 2,
      logger,
      hint: hintFor(permissions),
      baseDelayMs: 500,
      ...overrides,
    });
  }

  /** `path` below the repository, e.g. `/pulls?state=all`; an absolute path starts with `//`. */
  url(path: string): string {
    return path.startsWith('//')
      ? `${this.repo.apiUrl}${path.slice(1)}`
      : `${this.repo.apiUrl}/repos/${this.repo.repository}${path}`;
  }

  /** A call as messages name it: `GitHub list open issues (GET /repos/o/r/issues)`. */
  call(method: Method, path: string, label: string): CallRef {
    return { service: 'GitHub', method, path: new URL(this.url(path)).pathname, label };
  }

  /** An answer without what the call needs, described by its structure only. */
  notUnderstood(
    method: Method,
    path: string,
    label: string,
    res: HttpResponse,
    expected: string,
    hint: string,
  ): NotUnderstood {
    return new NotUnderstood({ from: this.call(method, path, label), expected, got: describeAnswer(res), hint });
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.repo.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'cwsync',
    };
  }

  request<T>(method: Method, path: string, label: string, body?: unknown): Promise<HttpResponse<T>> {
    this.requests++;
    return this.transport.request<T>({ method, url: this.url(path), headers: this.headers(), body, label });
  }

  /** The token's login: given, else GET /user (a personal token), else the workflow token's bot. */
  async login(): Promise<string> {
    if (this.repo.login) return this.repo.login;
    try {
      const label = 'read the identity of the token';
      const res = await this.request<{ login?: unknown }>('GET', '//user', label);
      if (typeof res.body?.login === 'string' && res.body.login) return res.body.login;
      throw this.notUnderstood(
        'GET',
        '//user',
        label,
        res,
        'a user with a login',
        'set CWSYNC_GITHUB_LOGIN to the login the token acts as',
      );
    } catch (err) {
      // The workflow token is an installation token: GET /user answers 403 "Resource not accessible by integration".
      if (err instanceof HttpError && (err.status === 403 || err.status === 404)) return ACTIONS_BOT;
      throw err;
    }
  }

  /** A GET whose 404 means "there is none". */
  async find<T>(path: string, label: string): Promise<T | undefined> {
    try {
      return (await this.request<T>('GET', path, label)).body;
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Every item of a list, following rel="next"; a repeated page or the cap is an error, with
   * `hint` saying what the caller's list is and how to make it shorter.
   */
  async list<T>(path: string, label: string, hint: string): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    let url: string | undefined = this.url(path);
    for (let page = 1; url; page++) {
      if (page > MAX_PAGES || seen.has(url))
        throw new PagingError(
          this.call('GET', path, label),
          page > MAX_PAGES
            ? `it runs past ${MAX_PAGES} pages, the most cwsync reads of one list`
            : `page ${page} links back to a page already read`,
          { hint },
        );
      seen.add(url);
      this.requests++;
      const res: HttpResponse<unknown> = await this.transport.request<unknown>({
        method: 'GET',
        url,
        headers: this.headers(),
        label,
      });
      if (!Array.isArray(res.body))
        throw this.notUnderstood(
          'GET',
          path,
          label,
          res,
          'a JSON list',
          'check GITHUB_API_URL (it should be the REST API root, e.g. https://api.github.com)',
        );
      out.push(...(res.body as T[]));
      url = nextLink(res.headers.get('link'), this.repo.apiUrl);
    }
    return out;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** The rel="next" URL of a Link header, only when it stays on the API's own origin. */
function nextLink(link: string | null, apiUrl: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!m) continue;
    try {
      return new URL(m[1]!).origin === new URL(apiUrl).origin ? m[1] : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
