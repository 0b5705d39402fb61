/**
 * Money-safe over HTTP (issue 19, SPEC §3): each row against the sandbox, through the real
 * commands in process on real git repositories. The late 504, two clones racing, a broken
 * count, two open lines, and Retry-After 119 on every request.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { applyCommand } from '../../src/cli/commands/apply.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { planFor } from '../../src/cli/pipeline.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import type { CwWorld } from '../../src/sandbox/world.js';
import { fakeClock } from '../helpers/clock.js';
import { inProcess } from '../helpers/config.js';
import { type Scene, startScene, writes } from '../helpers/scene.js';
import { tempDir, writeFiles } from '../helpers/temp.js';
import { generateScenario, scenarioConfigFiles } from '../support/scenario.js';

const NORTHWIND = 1250; // its plan holds the demo's one create (MP-CLOUDMAIL, product 755)
const CLOUDFILTER = 752;

let scene: Scene | undefined;
let sandbox: Sandbox | undefined;
async function open(): Promise<Scene> {
  for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, v);
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  vi.stubEnv('CWSYNC_QUIET', '1');
  vi.stubEnv('CWSYNC_STATE_DIR', '');
  scene = await startScene();
  return scene;
}
afterEach(async () => {
  vi.unstubAllEnvs();
  await scene?.close();
  await sandbox?.close();
  scene = undefined;
  sandbox = undefined;
});

const apply = (s: Scene, extra: Partial<Parameters<typeof applyCommand>[0]> = {}) =>
  inProcess(() =>
    applyCommand({ config: s.configDir, lockWait: '0', yes: true, report: join(s.repo, 'report.json'), ...extra }),
  );
const report = (s: Scene) => JSON.parse(readFileSync(join(s.repo, 'report.json'), 'utf8'));

/** Agreement/product keys holding more than one open line: what a customer would be billed twice for. */
function duplicates(world: CwWorld): string[] {
  const seen = new Map<string, number>();
  for (const a of world.additions.filter((x) => !x.cancelledDate)) {
    const key = `${a.agreementId}/${a.productId}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

describe('the late 504 over HTTP', () => {
  it('the gateway answers 504, the backend lands the create later: an immediate re-run waits, a later one sees it; exactly one line', async () => {
    const s = await open();
    s.sandbox.cw.switches.lateCreate = { path: `/agreements/${NORTHWIND}/additions`, landAfter: 10_000, answer: 504 };
    const first = await apply(s);
    expect(first.code).toBe(1);
    expect(report(s).summary).toMatchObject({ unknown: 1 });
    expect(first.stdout).toContain('remembered in');
    expect(first.stdout + first.stderr).not.toMatch(/\bsafe\b/i);
    const state = join(s.repo, '.git', 'cwsync', 'pending-creates.json');
    expect(JSON.parse(readFileSync(state, 'utf8')).pending).toEqual([
      expect.objectContaining({ agreement: NORTHWIND, product: 755 }),
    ]);
    s.sandbox.cw.switches.lateCreate = undefined;

    const immediate = await apply(s);
    expect(immediate.code).toBe(1);
    expect(immediate.stdout).toContain('waiting: an earlier create of this line');
    expect(writes(s).filter((r) => r.method === 'POST')).toHaveLength(1);

    s.sandbox.cw.landPendingCreates(); // the backend gets to it, seconds later
    const later = await apply(s);
    expect(later.code).toBe(0);
    expect(writes(s).filter((r) => r.method === 'POST')).toHaveLength(1);
    const cloudMail = s.world.cw.additions.filter(
      (a) => a.agreementId === NORTHWIND && a.productId === 755 && !a.cancelledDate,
    );
    expect(cloudMail).toHaveLength(1);
    expect(duplicates(s.world.cw)).toEqual([]);
    expect(JSON.parse(readFileSync(state, 'utf8')).pending).toEqual([]);
  });
});

describe('two writers over HTTP', () => {
  it('two applies of one plan from two clones at 25 ms latency over 30 customers: zero duplicates, every line once', async () => {
    for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, v);
    vi.stubEnv('CWSYNC_QUIET', '1');
    vi.stubEnv('GITHUB_STEP_SUMMARY', '');
    const scenario = generateScenario({
      customers: 30,
      userGroupsPerCustomer: 2,
      services: 2,
      drift: 0,
      missing: 1,
      seed: 7,
    });
    sandbox = await startSandbox(scenario.world, { latencyMs: 25 });
    const a = join(tempDir('cwsync-clone-a-'), 'repo');
    const files = scenarioConfigFiles(scenario, {
      cwUrl: sandbox.cw.apiBase,
      mpUrl: sandbox.mp.apiBase,
      concurrency: 8,
      requestsPerSecond: 1000,
    });
    // Every line is new here: the run is all creates, so the systemic-fault limit is lifted for it.
    files['cwsync.yaml'] += 'policy:\n  safety:\n    maxChangePercent: 100\n';
    writeFiles(join(a, 'config'), files);
    const git = simpleGit({ baseDir: a });
    await git.init();
    await git.addConfig('user.email', 't@example.com').addConfig('user.name', 'T').addConfig('commit.gpgsign', 'false');
    await git.add('.').commit('config');
    const b = join(tempDir('cwsync-clone-b-'), 'repo');
    await simpleGit().clone(a, b);
    const planned = await inProcess(() =>
      planCommand({ config: join(a, 'config'), format: 'json', maxUsageAge: '26h', out: join(a, 'plan.json') }),
    );
    expect(planned.code).toBe(0);
    const plan = JSON.parse(readFileSync(join(a, 'plan.json'), 'utf8'));
    const lines = plan.actions.map(
      (x: { agreement: { id: number }; product: { id: number } }) => `${x.agreement.id}/${x.product.id}`,
    );
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(plan.actions.every((x: { action: string }) => x.action === 'create')).toBe(true);

    const both = await inProcess(async () => {
      const codes = await Promise.all(
        [a, b].map((repo) => applyCommand({ config: join(repo, 'config'), plan: join(a, 'plan.json'), lockWait: '0' })),
      );
      expect(codes.every((c) => c === 0 || c === 3)).toBe(true);
      return 0;
    });
    expect(both.code).toBe(0);
    const world = scenario.world.cw;
    expect(duplicates(world)).toEqual([]);
    const open = world.additions.filter((x) => !x.cancelledDate).map((x) => `${x.agreementId}/${x.productId}`);
    expect(open.sort()).toEqual([...lines].sort());
    // Every line this race created twice was cancelled by the writer that made the newer one.
    const sent = (m: string) => sandbox!.cw.requests.filter((r) => r.method === m).length;
    expect(sent('PATCH')).toBe(sent('POST') - lines.length);
  });
});

describe('a 504 on an update or a cancel over HTTP: outcome unknown, settled by reading it back', () => {
  it('an update applied behind a gateway that answered 504: confirmed by the read-back, sent once, exit 0', async () => {
    const s = await open();
    s.sandbox.cw.switches.gatewayWrite = { method: 'PATCH', path: `/agreements/${NORTHWIND}/additions`, times: 1 };
    const line = s.world.cw.additions.find((x) => x.agreementId === NORTHWIND && x.productId === CLOUDFILTER)!;
    line.quantity = 20; // Northwind's Office: 23 users of CloudFilter
    const run = await apply(s);
    expect(run.code).toBe(0);
    expect(line.quantity).toBe(23);
    expect(writes(s).filter((r) => r.path.endsWith(`/additions/${line.id}`))).toHaveLength(1);
    expect(report(s).results).toContainEqual(
      expect.objectContaining({
        action: 'update',
        additionId: line.id,
        status: 'applied',
        note: 'confirmed by reading it back after the answer was lost',
      }),
    );
  });

  it('a cancel applied behind a gateway that answered 504: confirmed by the read-back, sent once, exit 0', async () => {
    const s = await open();
    await s.edit('cwsync.yaml', (t) =>
      t.replace(/onZero: zero/, 'onZero: cancel').replace(/maxDecreasePercent: 50/, 'maxDecreasePercent: 100'),
    );
    s.sandbox.cw.switches.gatewayWrite = { method: 'PATCH', path: `/agreements/${NORTHWIND}/additions`, times: 1 };
    const line = s.world.cw.additions.find((x) => x.agreementId === NORTHWIND && x.productId === CLOUDFILTER)!;
    s.world.mp.userGroups.find((g) => g.name === 'Office')!.userCount = 0;
    const run = await apply(s);
    expect(run.code).toBe(0);
    expect(line.cancelledDate).toBeTruthy();
    expect(writes(s).filter((r) => r.path.endsWith(`/additions/${line.id}`))).toHaveLength(1);
    expect(report(s).results).toContainEqual(
      expect.objectContaining({
        action: 'cancel',
        additionId: line.id,
        status: 'applied',
        note: 'confirmed by reading it back after the answer was lost',
      }),
    );
  });
});

describe('integers beyond 2^53 in answers over HTTP: never billed or written as another number', () => {
  it("a ConnectWise line's quantity of 2^53+1: that agreement's lines are not understood, no write to it, exit 1", async () => {
    const s = await open();
    const line = s.world.cw.additions.find((x) => x.agreementId === NORTHWIND && x.productId === CLOUDFILTER)!;
    line.quantity = 2 ** 53 + 1;
    const run = await apply(s);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('quantity is an integer beyond 2^53, expected number');
    expect(writes(s).filter((r) => r.path.includes(`/agreements/${NORTHWIND}/`))).toEqual([]);
    expect(writes(s).length).toBeGreaterThan(0); // the other agreements are applied
  });

  it("a Mailprotector user group's user_count of 2^53+1: the usage cannot be read, nothing is written", async () => {
    const s = await open();
    s.world.mp.userGroups.find((g) => g.name === 'Office')!.userCount = 2 ** 53 + 1;
    const run = await apply(s);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('has no user_count that is a non-negative integer');
    expect(writes(s)).toEqual([]);
  });
});

describe('holds, conflicts and the deadline over HTTP', () => {
  it('50 -> 999,999,999 is held with its reason: no write to that line, exit 1', async () => {
    const s = await open();
    const line = s.world.cw.additions.find((x) => x.agreementId === NORTHWIND && x.productId === CLOUDFILTER)!;
    line.quantity = 50;
    const office = s.world.mp.userGroups.find((g) => g.name === 'Office')!;
    office.userCount = 999_999_999;
    const run = await apply(s);
    expect(run.code).toBe(1);
    const held = report(s).results.filter((r: { status: string }) => r.status === 'held');
    expect(held.map((r: { product: { identifier: string }; held: string }) => [r.product.identifier, r.held])).toEqual(
      expect.arrayContaining([
        ['MP-CLOUDFILTER', expect.stringContaining('50 -> 999,999,999 is above maxQuantity 5,000')],
      ]),
    );
    expect(writes(s).filter((r) => r.path.includes(`/agreements/${NORTHWIND}/`))).toEqual([]);
    expect(line.quantity).toBe(50);
  });

  it('two open lines of one managed product: exit 1, never touched, both addition ids named', async () => {
    const s = await open();
    const first = s.world.cw.additions.find((x) => x.agreementId === NORTHWIND && x.productId === CLOUDFILTER)!;
    const second = { ...first, id: 99_001 };
    s.world.cw.additions.push(second);
    const run = await apply(s);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`lines ${second.id} and ${first.id} are both open`);
    expect(report(s).skipped.map((c: { additionIds: number[] }) => c.additionIds)).toEqual([[second.id, first.id]]);
    expect(writes(s).filter((r) => r.path.includes(`/additions/${first.id}`) || r.path.includes('/99001'))).toEqual([]);
  });

  it('Retry-After 119 on every request: the plan ends within its deadline, with an error naming it', async () => {
    const s = await open();
    const clock = fakeClock();
    s.sandbox.cw.switches.rateLimit = { perSecond: 0, retryAfterSeconds: 119, now: clock.now };
    const { config } = loadConfig(s.configDir, knownAdapters);
    const deadline = 5 * 60_000;
    const outcome = await planFor(config!, { inRepo: true, commit: null, dirty: false, changed: [] }, silentLogger, {
      run: { clock, deadlineAt: clock.now() + deadline },
    }).then(
      async (p) => {
        await p.close();
        return p.plan.errors.map((e) => e.message).join('\n');
      },
      (err: Error) => err.message,
    );
    expect(outcome).toContain("the run's deadline (--max-duration)");
    expect(clock.elapsed()).toBeLessThanOrEqual(deadline);
    expect(clock.slept.every((ms) => ms <= deadline)).toBe(true);
    expect(existsSync(join(s.repo, 'report.json'))).toBe(false);
  });
});
