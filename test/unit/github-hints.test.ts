/** The hint a failed GitHub call gets, by status and by what GitHub said, over real HTTP on loopback. */
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubApi } from '../../src/github/api.js';
import { type FakeServer, json, startServer } from '../../src/sandbox/harness.js';

let server: FakeServer | undefined;
let api: GitHubApi | undefined;
afterEach(async () => {
  await api?.close();
  await server?.close();
});

async function hintOf(status: number, message: string): Promise<string | undefined> {
  server = await startServer(() => json(status, { message }));
  api = new GitHubApi({ token: 'ghs_testtoken', repository: 'o/r', apiUrl: server.origin }, undefined, {
    permissions: 'issues: write',
    baseDelayMs: 0,
  });
  const err = await api.request('GET', '/issues', 'list issues').then(
    () => undefined,
    (e: unknown) => e as { hint?: string; message: string },
  );
  expect(err?.message).toContain(`HTTP ${status}`);
  return err?.hint;
}

describe('GitHub failure hints', () => {
  it.each([
    [401, 'Bad credentials', 'GITHUB_TOKEN is missing, expired or invalid'],
    [403, 'Resource not accessible by integration', 'give this job `permissions: { issues: write }`'],
    [403, 'GitHub Actions is not permitted to create or approve pull requests.', 'open it with a GitHub App token'],
    [403, 'API rate limit exceeded for installation', 'GitHub rate limit reached'],
    [404, 'Not Found', 'check GITHUB_REPOSITORY'],
    [410, 'Issues are disabled for this repo', 'Settings > General > Features > Issues'],
    [422, 'Validation Failed', 'GitHub refused what was sent'],
  ])('%i "%s" says what to do', async (status, message, words) => {
    expect(await hintOf(status, message)).toContain(words);
  });

  it('a status without a known meaning gets no guess', async () => {
    expect(await hintOf(409, 'Conflict')).toBeUndefined();
  });
});
