/** cwsync comment against the GitHub REST API, with nock: strict (no unmocked, no unused mocks). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { commentCommand } from '../../src/cli/commands/comment.js';
import { describeError } from '../../src/cli/run.js';
import { commentBody, MARKER, MAX_BODY } from '../../src/github/comment.js';
import { tempDir } from '../helpers/temp.js';

const API = 'https://api.github.test';
const REPO = '/repos/msp/billing-config';
let dir: string;
let stdout: string[];

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  dir = tempDir();
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ action: 'synchronize', pull_request: { number: 42 } }));
  writeFileSync(join(dir, 'plan.md'), '### cwsync plan: 1 change on 1 agreement\n');
  vi.stubEnv('GITHUB_TOKEN', 'ghs_testtoken');
  vi.stubEnv('GITHUB_REPOSITORY', 'msp/billing-config');
  vi.stubEnv('GITHUB_API_URL', API);
  vi.stubEnv('GITHUB_EVENT_PATH', join(dir, 'event.json'));
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout.push(String(s));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const run = () => commentCommand({ bodyFile: join(dir, 'plan.md') });
const bodyOf = (md: string) => commentBody(md);
const others = [
  { id: 1, body: 'LGTM', user: { login: 'alice' } },
  { id: 2, body: '<!-- other-bot -->\nCoverage 91%', user: { login: 'codecov[bot]' } },
];

describe('cwsync comment', () => {
  it('creates the comment when none carries the marker', async () => {
    nock(API, { reqheaders: { authorization: 'Bearer ghs_testtoken' } })
      .get(`${REPO}/issues/42/comments`)
      .query({ per_page: 100, page: 1 })
      .reply(200, others);
    nock(API)
      .post(
        `${REPO}/issues/42/comments`,
        (b: { body: string }) => b.body === bodyOf('### cwsync plan: 1 change on 1 agreement\n'),
      )
      .reply(201, { id: 77, html_url: 'https://github.test/c/77' });
    await expect(run()).resolves.toBe(0);
    expect(stdout.join('')).toBe('plan comment created on pull request #42: https://github.test/c/77\n');
  });

  it("updates the marked comment in place, found among other bots' comments", async () => {
    nock(API)
      .get(`${REPO}/issues/42/comments`)
      .query(true)
      .reply(200, [
        ...others,
        { id: 9, body: `${MARKER}\nold plan`, user: { login: 'github-actions[bot]' } },
        { id: 10, body: 'later comment' },
      ]);
    nock(API)
      .patch(`${REPO}/issues/comments/9`, { body: bodyOf('### cwsync plan: 1 change on 1 agreement\n') })
      .reply(200, { id: 9, html_url: 'https://github.test/c/9' });
    await expect(run()).resolves.toBe(0);
    expect(stdout.join('')).toContain('plan comment updated on pull request #42');
  });

  it('finds the marker on a later page of comments', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => ({ id: 100 + i, body: `comment ${i}` }));
    nock(API)
      .get(`${REPO}/issues/42/comments`)
      .query({ per_page: 100, page: 1 })
      .reply(200, page1, { link: `<${API}${REPO}/issues/42/comments?per_page=100&page=2>; rel="next"` });
    nock(API)
      .get(`${REPO}/issues/42/comments`)
      .query({ per_page: 100, page: 2 })
      .reply(200, [{ id: 555, body: `${MARKER}\nold` }]);
    nock(API).patch(`${REPO}/issues/comments/555`).reply(200, { id: 555 });
    await expect(run()).resolves.toBe(0);
  });

  it('sends nothing when the comment is unchanged', async () => {
    nock(API)
      .get(`${REPO}/issues/42/comments`)
      .query(true)
      .reply(200, [{ id: 9, body: bodyOf('### cwsync plan: 1 change on 1 agreement\n') }]);
    await expect(run()).resolves.toBe(0);
    expect(stdout.join('')).toBe('plan comment unchanged on pull request #42; not updated\n');
  });

  it('cuts an oversized body with a notice', async () => {
    writeFileSync(join(dir, 'plan.md'), `### big\n${'| row | x |\n'.repeat(10_000)}`);
    let sent = '';
    nock(API).get(`${REPO}/issues/42/comments`).query(true).reply(200, []);
    nock(API)
      .post(`${REPO}/issues/42/comments`, (b: { body: string }) => {
        sent = b.body;
        return true;
      })
      .reply(201, { id: 1 });
    await run();
    expect(sent.length).toBeLessThanOrEqual(MAX_BODY);
    expect(sent.startsWith(MARKER)).toBe(true);
    expect(sent).toContain('_… cut: the plan is longer than a comment can hold.');
  });

  it.each([
    [
      403,
      { message: 'Resource not accessible by integration' },
      'GitHub create the plan comment (POST /repos/msp/billing-config/issues/42/comments) failed with HTTP 403 Resource not accessible by integration',
      'permissions: pull-requests: write',
    ],
    [
      422,
      {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)',
          },
        ],
      },
      'failed with HTTP 422 Validation Failed (body is too long (maximum is 65536 characters))',
      'GitHub refused the comment body',
    ],
  ])('fails loudly (exit 1) on %i with the reason', async (status, reply, message, hint) => {
    nock(API).get(`${REPO}/issues/42/comments`).query(true).reply(200, []);
    nock(API).post(`${REPO}/issues/42/comments`).reply(status, reply);
    const err = await run().catch((e: unknown) => e);
    const { text, code } = describeError(err);
    expect(code).toBe(1);
    expect(text).toContain(message);
    expect(text).toContain(hint);
    expect(text).not.toContain('ghs_testtoken');
  });

  it('outside a pull request says so and posts nothing', async () => {
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ schedule: '17 2 * * *' }));
    await expect(run()).resolves.toBe(0);
    expect(stdout.join('')).toBe('not in a pull request (no pull_request in GITHUB_EVENT_PATH): nothing posted\n');
  });

  it('needs GITHUB_TOKEN inside a pull request', async () => {
    vi.stubEnv('GITHUB_TOKEN', '');
    const { text, code } = describeError(await run().catch((e: unknown) => e));
    expect(code).toBe(1);
    expect(text).toContain('GITHUB_TOKEN is not set');
  });
});
