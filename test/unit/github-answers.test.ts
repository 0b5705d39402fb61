/**
 * A GitHub answer cwsync cannot use is the same error as any vendor's (src/errors.ts): a list
 * that does not page to an end is a PagingError, an answer without what the call needs is
 * NotUnderstood; both name the call, over real HTTP on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotUnderstood, PagingError } from '../../src/errors.js';
import { GitHubApi } from '../../src/github/api.js';
import { checkRunApproval } from '../../src/github/approval.js';
import { type FakeServer, type Handler, json, startServer } from '../../src/sandbox/harness.js';

let server: FakeServer | undefined;
let api: GitHubApi | undefined;
afterEach(async () => {
  await api?.close();
  await server?.close();
});

async function start(handler: Handler): Promise<GitHubApi> {
  server = await startServer(handler);
  api = new GitHubApi({ token: 'ghs_testtoken', repository: 'o/r', apiUrl: server.origin }, undefined, {
    baseDelayMs: 0,
  });
  return api;
}

describe('GitHub answers cwsync cannot use', () => {
  it('a list whose next link leads back to a page already read: PagingError naming the call, after two pages', async () => {
    const gh = await start((req) =>
      json(200, [{ n: req.query.get('page') }], {
        link: `<${server!.origin}/repos/o/r/pulls?page=${req.query.get('page') === '2' ? 1 : 2}>; rel="next"`,
      }),
    );
    const err = await gh.list('/pulls?page=1', 'list pull requests', 'shorten it').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagingError);
    expect((err as Error).message).toBe(
      'GitHub list pull requests (GET /repos/o/r/pulls) did not page to an end: page 3 links back to a page already read',
    );
    expect(server!.requests).toHaveLength(2);
  });

  it('a list answered with an object: NotUnderstood, naming what came by its structure only', async () => {
    const gh = await start(() => json(200, { message: 'secret-looking text' }));
    const err = await gh.list('/pulls', 'list pull requests', 'shorten it').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotUnderstood);
    expect((err as Error).message).toMatch(
      /^GitHub list pull requests \(GET \/repos\/o\/r\/pulls\) answered with something cwsync does not understand: expected a JSON list; got HTTP 200 application\/json, \d+ bytes: object \{message: string\}$/,
    );
    expect((err as NotUnderstood).hint).toContain('GITHUB_API_URL');
  });

  it("a run's approvals that do not page to an end: refused with a fix about approvals, not about pull requests", async () => {
    const gh = await start((req) =>
      req.path.endsWith('/approvals')
        ? json(200, [{ state: 'approved' }], {
            link: `<${server!.origin}/repos/o/r/actions/runs/1/approvals?page=${Number(req.query.get('page') ?? 1) + 1}>; rel="next"`,
          })
        : json(200, { id: 1, run_attempt: 1, actor: { login: 'a' }, triggering_actor: { login: 'a' } }),
    );
    const err = await checkRunApproval(gh, '1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagingError);
    expect((err as Error).message).toContain('GitHub list the approvals of this run');
    expect((err as PagingError).hint).toContain("check the run's approvals on GitHub");
    expect((err as PagingError).hint).not.toContain('pull requests');
  });
});
