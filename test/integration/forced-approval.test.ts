/**
 * A forced apply in GitHub Actions runs only when GitHub's record of the run shows an approval in
 * `cwsync-approval` by someone other than who started it: checked against a fake GitHub API on
 * loopback, then through `apply --force` itself against the sandbox (refused: zero ConnectWise
 * requests; approved by another: it applies).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyCommand } from '../../src/cli/commands/apply.js';
import { RefusedError } from '../../src/errors.js';
import { GitHubApi } from '../../src/github/api.js';
import { checkRunApproval, requireForcedApproval } from '../../src/github/approval.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type FakeServer, json, startServer } from '../../src/sandbox/harness.js';
import { inProcess } from '../helpers/config.js';
import { type Scene, startScene } from '../helpers/scene.js';

let github: FakeServer | undefined;
let scene: Scene | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await github?.close();
  await scene?.close();
  github = scene = undefined;
});

interface Approval {
  state: string;
  user: { login: string };
  environments: Array<{ name: string }>;
}
const approval = (login: string, state = 'approved', environment = 'cwsync-approval'): Approval => ({
  state,
  user: { login },
  environments: [{ id: 1, name: environment } as { name: string }],
});

/** Run 42 of msp/config: started by `actor` (re-run by `triggering`), with these approvals. */
async function fakeRun(
  actor: string,
  approvals: Approval[],
  triggering = actor,
  attempt: unknown = 1,
): Promise<FakeServer> {
  return startServer((req) => {
    if (req.headers.authorization !== 'Bearer ghs_run') return json(401, { message: 'Bad credentials' });
    if (req.method === 'GET' && req.path === '/repos/msp/config/actions/runs/42')
      return json(200, {
        id: 42,
        run_attempt: attempt,
        actor: { login: actor },
        triggering_actor: { login: triggering },
      });
    if (req.method === 'GET' && req.path === '/repos/msp/config/actions/runs/42/approvals') return json(200, approvals);
    return json(404, { message: 'Not Found' });
  });
}

async function check(server: FakeServer) {
  const api = new GitHubApi({ token: 'ghs_run', repository: 'msp/config', apiUrl: server.origin }, undefined, {
    baseDelayMs: 1,
  });
  try {
    return await checkRunApproval(api, '42');
  } finally {
    await api.close();
  }
}

describe('the forced-apply approval check', () => {
  it('self-approved: refused (exit 3), naming who approved and who must', async () => {
    github = await fakeRun('alice', [approval('alice')]);
    const err = await check(github).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as RefusedError).exitCode).toBe(3);
    expect((err as RefusedError).message).toBe(
      'forced apply refused: the only approval in cwsync-approval is by alice, who started this run; nothing was read or written',
    );
    expect((err as RefusedError).hint).toContain('someone other than alice must approve the run');
  });

  it('approved by another: allowed, naming both', async () => {
    github = await fakeRun('alice', [approval('alice'), approval('bob')]);
    expect(await check(github)).toEqual({ startedBy: ['alice'], approvedBy: ['bob'] });
  });

  it('refused without an approval, with only a rejection, with an approval in another environment, or approved by whoever re-ran it', async () => {
    for (const [actor, approvals, triggering] of [
      ['alice', [], 'alice'],
      ['alice', [approval('bob', 'rejected')], 'alice'],
      ['alice', [approval('bob', 'approved', 'billing')], 'alice'],
      ['alice', [approval('bob')], 'bob'],
    ] as const) {
      github = await fakeRun(actor, [...approvals], triggering);
      await expect(check(github), JSON.stringify(approvals)).rejects.toThrow(/^forced apply refused: /);
      await github.close();
      github = undefined;
    }
  });

  it("a re-run keeps the first attempt's approvals, so only a first attempt counts: attempt 2 or none said is refused", async () => {
    for (const [attempt, said] of [
      [2, 'this is attempt 2 of the run, and an approval holds for its first attempt only'],
      [null, 'GitHub did not say which attempt of the run this is'],
      ['1', 'GitHub did not say which attempt of the run this is'],
    ] as const) {
      github = await fakeRun('mallory', [approval('alice')], 'mallory', attempt);
      await expect(check(github)).rejects.toThrow(`forced apply refused: ${said}; nothing was read or written`);
      await github.close();
      github = undefined;
    }
  });

  it('outside GitHub Actions nothing is asked; inside, a missing run id or token is refused before any request', async () => {
    expect(await requireForcedApproval({})).toBeUndefined();
    await expect(requireForcedApproval({ GITHUB_ACTIONS: 'true' })).rejects.toThrow(/GITHUB_RUN_ID is not set/);
    await expect(
      requireForcedApproval({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '42', GITHUB_REPOSITORY: 'msp/config' }),
    ).rejects.toThrow(/GITHUB_TOKEN is not set/);
  });
});

describe('apply --force in GitHub Actions', () => {
  async function forcedApply(approvals: Approval[]) {
    scene = await startScene();
    github = await fakeRun('alice', approvals);
    for (const [k, v] of Object.entries({
      ...DEMO_ENV,
      GITHUB_ACTIONS: 'true',
      GITHUB_RUN_ID: '42',
      GITHUB_REPOSITORY: 'msp/config',
      GITHUB_API_URL: github.origin,
      GITHUB_TOKEN: 'ghs_run',
      GITHUB_ACTOR: 'alice',
      GITHUB_STEP_SUMMARY: '',
    }))
      vi.stubEnv(k, v);
    return inProcess(() => applyCommand({ config: scene!.configDir, force: true, yes: true, lockWait: '5' }));
  }
  const writes = () => scene!.sandbox.cw.requests.filter((r) => r.method !== 'GET');

  it('self-approved: exit 3 before ConnectWise is asked anything', async () => {
    const r = await forcedApply([approval('alice')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('forced apply refused: the only approval in cwsync-approval is by alice');
    expect(scene!.sandbox.cw.requests).toHaveLength(0);
    expect(scene!.sandbox.mp.requests).toHaveLength(0);
  });

  it('approved by another: it applies', async () => {
    const r = await forcedApply([approval('bob')]);
    expect(r.stdout).toContain('forced run started by alice, approved by bob');
    expect(r.code, r.stderr).toBe(0);
    expect(writes().length).toBeGreaterThan(0);
  });
});
