/**
 * cwsync comment against a fake GitHub REST API (nock, strict: no unmocked call, no unused
 * mock). The fake keeps the pull request's comments, so a run sees what the run before wrote.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { commentCommand } from '../../src/cli/commands/comment.js';
import { describeError } from '../../src/cli/run.js';
import { commentBody, MARKER, MAX_BODY } from '../../src/github/comment.js';
import type { Plan } from '../../src/reconcile/types.js';
import { renderJson } from '../../src/render/json.js';
import { tempDir } from '../helpers/temp.js';

const API = 'https://api.github.test';
const REPO = '/repos/msp/billing-config';
const HEAD = '1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c';
const MERGE = '9999999999999999999999999999999999999999';
const BOT = { login: 'github-actions[bot]', type: 'Bot' };
let dir: string;
let stdout: string[];

interface Stored {
  id: number;
  body: string;
  user: { login: string; type: string };
}

/** A pull request's comments behind GET /user (403: the Actions token), list, create and update. */
function fakePullRequest(comments: Stored[], options: { user?: { login: string } } = {}) {
  const writes: Array<{ method: string; id: number; body: string }> = [];
  const scope = nock(API).persist();
  scope
    .get('/user')
    .reply(() => (options.user ? [200, options.user] : [403, { message: 'Resource not accessible by integration' }]));
  scope
    .get(`${REPO}/issues/42/comments`)
    .query({ per_page: 100, page: 1 })
    .reply(() => [200, comments]);
  scope.post(`${REPO}/issues/42/comments`).reply((_uri, b) => {
    const body = (b as { body: string }).body;
    const c = { id: 100 + writes.length, body, user: options.user ? { ...options.user, type: 'User' } : BOT };
    comments.push(c);
    writes.push({ method: 'POST', id: c.id, body });
    return [201, { id: c.id, html_url: `https://github.test/c/${c.id}` }];
  });
  scope.patch(/\/repos\/msp\/billing-config\/issues\/comments\/\d+/).reply((uri, b) => {
    const id = Number(uri.split('/').at(-1));
    const body = (b as { body: string }).body;
    const c = comments.find((x) => x.id === id);
    if (c) c.body = body;
    writes.push({ method: 'PATCH', id, body });
    return [200, { id, html_url: `https://github.test/c/${id}` }];
  });
  return { comments, writes };
}

const plan = (capturedAt = '2026-11-26T02:17:00Z'): Plan => ({
  formatVersion: 1,
  createdAt: capturedAt,
  source: { commit: MERGE, dirty: false },
  fingerprint: 'sha256:abc',
  summary: {
    create: 0,
    update: 1,
    cancel: 0,
    unchanged: 3,
    conflicts: 0,
    held: 0,
    errors: 0,
    priceChange: 412.5,
    notBilled: { users: 0, value: 0 },
  },
  actions: [
    {
      action: 'update',
      customer: 'Contoso Ltd',
      company: { id: 250, identifier: 'CONTOSO' },
      agreement: { id: 1234, name: 'Email Security' },
      product: { id: 752, identifier: 'MP-CLOUDFILTER' },
      additionId: 3589,
      before: 10,
      after: 175,
      reason: 'CloudFilter: 175 users',
      unitPrice: 2.5,
      priceChange: 412.5,
    },
  ],
  conflicts: [],
  warnings: [],
  errors: [],
  held: [],
  usage: { source: 'mailprotector', capturedAt, label: 'Mailprotector reseller 343' },
  scope: null,
  safety: { managed: 4, changes: 1, refusal: null },
  notBilled: [],
  observed: [],
});

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  dir = tempDir();
  writeFileSync(
    join(dir, 'event.json'),
    JSON.stringify({ action: 'synchronize', pull_request: { number: 42, head: { sha: HEAD } } }),
  );
  writeFileSync(join(dir, 'plan.json'), renderJson(plan()));
  writeFileSync(join(dir, 'plan.md'), '### cwsync plan: 1 change on 1 agreement\n');
  vi.stubEnv('GITHUB_TOKEN', 'ghs_testtoken');
  vi.stubEnv('GITHUB_REPOSITORY', 'msp/billing-config');
  vi.stubEnv('GITHUB_API_URL', API);
  vi.stubEnv('GITHUB_EVENT_PATH', join(dir, 'event.json'));
  vi.stubEnv('GITHUB_SHA', MERGE);
  vi.stubEnv('GITHUB_SERVER_URL', 'https://github.test');
  vi.stubEnv('GITHUB_RUN_ID', '777');
  vi.stubEnv('CWSYNC_COMMENT_AUTHOR', '');
  vi.stubEnv('CWSYNC_GITHUB_LOGIN', '');
  nock(API).persist().get(REPO).reply(200, { private: true, visibility: 'private' });
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout.push(String(s));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  nock.cleanAll();
});

const planRun = () => commentCommand({ plan: join(dir, 'plan.json'), failedLog: join(dir, 'plan.log') }, process.env);

describe('cwsync comment --plan / --failed-log', () => {
  it('posts the rendered plan, stamped with the head commit (not GITHUB_SHA) and a link to the artifacts', async () => {
    const gh = fakePullRequest([{ id: 1, body: 'LGTM', user: { login: 'alice', type: 'User' } }]);
    await expect(planRun()).resolves.toBe(0);
    expect(gh.writes.map((w) => w.method)).toEqual(['POST']);
    const body = gh.writes[0]!.body;
    expect(body.startsWith(`${MARKER}\n### cwsync plan: 1 change on 1 agreement · +$412.50 per billing cycle\n`)).toBe(
      true,
    );
    expect(body).toContain(`<sub>Plan for head ${HEAD} · `);
    expect(body).not.toContain(MERGE);
    expect(body).toContain(
      '| Contoso Ltd | CONTOSO / Email Security | MP-CLOUDFILTER | 10 → 175 | $2.50 | +$412.50 | CloudFilter: 175 users |',
    );
    expect(stdout.join('')).toBe(
      'plan comment created on pull request #42 as github-actions[bot]: https://github.test/c/100\n',
    );
  });

  it('a failed plan replaces the earlier success comment with the failure', async () => {
    const gh = fakePullRequest([]);
    await planRun();
    rmSync(join(dir, 'plan.json')); // a later push: the plan failed as a whole and wrote no plan
    writeFileSync(
      join(dir, 'plan.log'),
      'error: ConnectWise list companies (GET /company/companies) failed with HTTP 503\nfix: re-run the job when ConnectWise answers\n',
    );
    await expect(planRun()).resolves.toBe(0);
    expect(gh.writes.map((w) => `${w.method} ${w.id}`)).toEqual(['POST 100', 'PATCH 100']);
    expect(gh.comments).toHaveLength(1);
    const body = gh.comments[0]!.body;
    expect(body.startsWith(`${MARKER}\n### cwsync plan: failed, nothing was planned\n`)).toBe(true);
    expect(body).toContain('failed with HTTP 503');
    expect(body).not.toContain('Contoso');
    expect(body).toContain(
      `<sub>For head ${HEAD} · [the full log](https://github.test/msp/billing-config/actions/runs/777)</sub>`,
    );
  });

  it("never edits a person's comment that quotes the marker, nor another identity's", async () => {
    const quoted = `${MARKER}\nI think this plan is wrong`;
    const gh = fakePullRequest([
      { id: 5, body: quoted, user: { login: 'alice', type: 'User' } },
      { id: 6, body: quoted, user: { login: 'github-actions[bot]', type: 'User' } },
      { id: 7, body: `> ${MARKER}\n> quoted`, user: BOT },
    ]);
    await planRun();
    expect(gh.writes.map((w) => w.method)).toEqual(['POST']);
    expect(gh.comments.slice(0, 2).map((c) => c.body)).toEqual([quoted, quoted]);
  });

  it('with a personal token, matches only the comments of the user GET /user names', async () => {
    const gh = fakePullRequest(
      [
        { id: 8, body: `${MARKER}\nold`, user: BOT },
        { id: 9, body: `${MARKER}\nold`, user: { login: 'msp-bot', type: 'User' } },
      ],
      { user: { login: 'msp-bot' } },
    );
    await planRun();
    expect(gh.writes.map((w) => `${w.method} ${w.id}`)).toEqual(['PATCH 9']);
  });

  it('CWSYNC_COMMENT_AUTHOR names the identity without asking GET /user', async () => {
    vi.stubEnv('CWSYNC_COMMENT_AUTHOR', 'cwsync-app[bot]');
    nock(API)
      .get(`${REPO}/issues/42/comments`)
      .query(true)
      .reply(200, [{ id: 3, body: `${MARKER}\nold`, user: { login: 'cwsync-app[bot]', type: 'Bot' } }]);
    const patch = nock(API).patch(`${REPO}/issues/comments/3`).reply(200, { id: 3 });
    await planRun();
    expect(patch.isDone()).toBe(true);
  });

  it('a second identical run makes no write, even though it read the usage again later', async () => {
    const gh = fakePullRequest([]);
    await planRun();
    writeFileSync(join(dir, 'plan.json'), renderJson(plan('2026-11-26T05:40:00Z')));
    await planRun();
    expect(gh.writes).toHaveLength(1);
    expect(stdout.at(-1)).toBe('plan comment unchanged on pull request #42; not updated\n');
  });

  it('a new head commit is a new comment text', async () => {
    const gh = fakePullRequest([]);
    await planRun();
    const next = 'abcdefabcdefabcdefabcdefabcdefabcdefabcd';
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ pull_request: { number: 42, head: { sha: next } } }));
    await planRun();
    expect(gh.writes.map((w) => w.method)).toEqual(['POST', 'PATCH']);
    expect(gh.comments[0]!.body).toContain(`Plan for head ${next}`);
  });

  it('posts invalid config problems with --failed-log --stage validate', async () => {
    const gh = fakePullRequest([]);
    writeFileSync(join(dir, 'validate.txt'), 'config/customers.yaml:3:5: unknown key "compnay"\n    fix: company\n');
    await commentCommand({ failedLog: join(dir, 'validate.txt'), stage: 'validate' }, process.env);
    expect(gh.writes[0]!.body).toMatch(/^<!-- cwsync:plan-comment -->\n### cwsync: the config is invalid\n/);
    expect(gh.writes[0]!.body).toContain('config/customers.yaml:3:5: unknown key "compnay"');
  });

  it('fails loudly when the token is refused outright', async () => {
    nock(API).get('/user').reply(401, { message: 'Bad credentials' });
    const { text, code } = describeError(await planRun().catch((e: unknown) => e));
    expect(code).toBe(1);
    expect(text).toContain('GitHub read the identity of the token (GET /user) failed with HTTP 401');
    expect(text).not.toContain('ghs_testtoken');
  });

  it('without either file says what to pass', async () => {
    const { text, code } = describeError(
      await commentCommand({ plan: join(dir, 'none.json') }).catch((e: unknown) => e),
    );
    expect(code).toBe(1);
    expect(text).toContain(`--plan ${join(dir, 'none.json')}`);
  });
});

describe('cwsync comment --body-file', () => {
  it('posts the file as written after the marker', async () => {
    const gh = fakePullRequest([]);
    await expect(commentCommand({ bodyFile: join(dir, 'plan.md') })).resolves.toBe(0);
    expect(gh.writes[0]!.body).toBe(commentBody('### cwsync plan: 1 change on 1 agreement\n'));
  });

  it('cuts an oversized body at a line, closes an open <details>, and says so', async () => {
    writeFileSync(join(dir, 'plan.md'), `### big\n<details><summary>x</summary>\n\n${'| row | x |\n'.repeat(10_000)}`);
    const gh = fakePullRequest([]);
    await commentCommand({ bodyFile: join(dir, 'plan.md') });
    const sent = gh.writes[0]!.body;
    expect(sent.length).toBeLessThanOrEqual(MAX_BODY);
    expect(sent).toMatch(/\| row \| x \|\n\n\n<\/details>\n\n> \[!IMPORTANT\]\n> \*\*Cut here:\*\*/);
  });

  it.each([
    [403, { message: 'Resource not accessible by integration' }, 'permissions: { pull-requests: write }'],
    [422, { message: 'Validation Failed' }, 'GitHub refused what was sent'],
  ])('fails loudly (exit 1) when the write gets %i', async (status, reply, hint) => {
    nock(API).get('/user').reply(403, {});
    nock(API).get(`${REPO}/issues/42/comments`).query(true).reply(200, []);
    nock(API).post(`${REPO}/issues/42/comments`).reply(status, reply);
    const { text, code } = describeError(await commentCommand({ bodyFile: join(dir, 'plan.md') }).catch((e) => e));
    expect(code).toBe(1);
    expect(text).toContain(`failed with HTTP ${status}`);
    expect(text).toContain(hint);
    expect(text).not.toContain('ghs_testtoken');
  });

  it('outside a pull request says so and posts nothing', async () => {
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ schedule: '17 2 * * *' }));
    await expect(commentCommand({ bodyFile: join(dir, 'plan.md') })).resolves.toBe(0);
    expect(stdout.join('')).toBe(
      'not in a pull request (no pull_request in GITHUB_EVENT_PATH): nothing posted; --print shows the exact comment here\n',
    );
  });

  it('needs GITHUB_TOKEN inside a pull request', async () => {
    vi.stubEnv('GITHUB_TOKEN', '');
    const { text, code } = describeError(await commentCommand({ bodyFile: join(dir, 'plan.md') }).catch((e) => e));
    expect(code).toBe(1);
    expect(text).toContain('GITHUB_TOKEN is not set');
  });
});

describe('cwsync comment --print and public repositories', () => {
  it('--print writes the exact body the workflow would post, with no token and no request', async () => {
    const gh = fakePullRequest([]);
    await planRun();
    const posted = gh.writes[0]!.body;
    nock.cleanAll(); // from here on, any request fails the test
    vi.stubEnv('GITHUB_TOKEN', '');
    vi.stubEnv('GITHUB_REPOSITORY', '');
    stdout = [];
    await expect(
      commentCommand({ plan: join(dir, 'plan.json'), failedLog: join(dir, 'plan.log'), print: true }, process.env),
    ).resolves.toBe(0);
    expect(stdout.join('')).toBe(posted);
  });

  it('refuses a public repository (exit 3, nothing posted) unless --allow-public', async () => {
    nock.cleanAll();
    nock(API).persist().get(REPO).reply(200, { private: false, visibility: 'public' });
    const gh = fakePullRequest([]);
    const { text, code } = describeError(await planRun().catch((e: unknown) => e));
    expect(code).toBe(3);
    expect(text).toContain('msp/billing-config is a public repository');
    expect(text).toContain('--allow-public');
    expect(gh.writes).toHaveLength(0);
    await expect(
      commentCommand({ plan: join(dir, 'plan.json'), failedLog: join(dir, 'plan.log'), allowPublic: true }),
    ).resolves.toBe(0);
    expect(gh.writes.map((w) => w.method)).toEqual(['POST']);
  });

  it('an answer that does not say whether the repository is private is an error, never a yes', async () => {
    nock.cleanAll();
    nock(API).get(REPO).reply(200, { name: 'billing-config' });
    const { text, code } = describeError(await planRun().catch((e: unknown) => e));
    expect(code).toBe(1);
    expect(text).toContain(
      'GitHub read the repository (GET /repos/msp/billing-config) answered with something cwsync does not understand: expected a repository that says whether it is private (private: boolean); got HTTP 200 application/json, 25 bytes: object {name: string}',
    );
  });
});
