/**
 * The fault matrix over HTTP: each finding of issue 14 switched on in the sandbox, then plan and
 * apply run through the real commands (in process) on a real git repository. For each: the exit
 * code, the writes ConnectWise received, and zero duplicate additions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyCommand } from '../../src/cli/commands/apply.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { acquireApplyLock } from '../../src/git/lock.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import type { CwSwitches } from '../../src/sandbox/fake-connectwise.js';
import type { MpBehaviour } from '../../src/sandbox/fake-mailprotector.js';
import { inProcess } from '../helpers/config.js';
import { type Scene, startScene, writes } from '../helpers/scene.js';

let scene: Scene;
beforeEach(async () => {
  for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, v);
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  vi.stubEnv('CWSYNC_QUIET', '1');
  scene = await startScene();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await scene.close();
});

const NORTHWIND = 1250; // its plan holds the demo's one create (MP-CLOUDMAIL)

const apply = (extra: Partial<Parameters<typeof applyCommand>[0]> = {}) =>
  inProcess(() =>
    applyCommand({
      config: scene.configDir,
      lockWait: '0',
      yes: true,
      report: join(scene.repo, 'report.json'),
      ...extra,
    }),
  );
const plan = () =>
  inProcess(() =>
    planCommand({ config: scene.configDir, format: 'json', maxUsageAge: '26h', out: join(scene.repo, 'plan.json') }),
  );
const report = () => JSON.parse(readFileSync(join(scene.repo, 'report.json'), 'utf8'));

/** No agreement holds two open additions of one product: the duplicate a customer would be billed twice for. */
function duplicates(s: Scene): string[] {
  const seen = new Map<string, number>();
  for (const a of s.world.cw.additions.filter((x) => !x.cancelledDate)) {
    const key = `${a.agreementId}/${a.productId}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}
const posts = () => writes(scene).filter((r) => r.method === 'POST');
const patches = () => writes(scene).filter((r) => r.method === 'PATCH');

describe('a ConnectWise answer that is not understood is an error of that binding, never "no additions"', () => {
  it.each<NonNullable<CwSwitches['brokenList']>['kind']>([
    'html',
    'object',
    'null',
    'empty',
    'truncated',
    'missing-field',
  ])('%s on one agreement: exit 1, no create there, the other bindings applied, no duplicate', async (kind) => {
    scene.sandbox.cw.switches.brokenList = { kind, path: `/agreements/${NORTHWIND}/additions` };
    const run = await apply();
    expect(run.code).toBe(1);
    expect(report().errors).toEqual([
      expect.objectContaining({
        customer: 'Northwind Traders',
        message: expect.stringContaining(`agreement ${NORTHWIND}`),
      }),
    ]);
    expect(posts()).toEqual([]);
    expect(patches()).toHaveLength(3);
    expect(duplicates(scene)).toEqual([]);
    expect(run.stdout + run.stderr).not.toMatch(/<html|DOCTYPE/i);
  });

  it('a connection cut once mid-answer is retried (a read), then the create is made once', async () => {
    scene.sandbox.cw.switches.brokenList = {
      kind: 'cut-connection',
      path: `/agreements/${NORTHWIND}/additions`,
      times: 1,
    };
    const run = await apply();
    expect(run.code).toBe(0);
    expect(posts()).toHaveLength(1);
    expect(duplicates(scene)).toEqual([]);
  });
});

describe('creates whose outcome is unknown', () => {
  it('a create that lands after the client gave up: unknown (exit 1), never re-sent; the next run sees it', async () => {
    scene.sandbox.cw.switches.lateCreate = { path: `/agreements/${NORTHWIND}/additions`, landAfter: 1000 };
    const first = await apply();
    expect(first.code).toBe(1);
    expect(report().summary).toMatchObject({ unknown: 1, applied: 3 });
    expect(posts()).toHaveLength(1);
    scene.sandbox.cw.landPendingCreates();
    scene.sandbox.cw.switches.lateCreate = undefined;
    const second = await apply();
    expect(second.code).toBe(0);
    expect(posts()).toHaveLength(1);
    expect(duplicates(scene)).toEqual([]);
  });

  it('a create answered 201 with a body that is not an addition: read back, applied once', async () => {
    scene.sandbox.cw.switches.brokenWrite = { kind: 'html', method: 'POST' };
    const run = await apply();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('confirmed by reading it back');
    expect(posts()).toHaveLength(1);
    expect(duplicates(scene)).toEqual([]);
  });
});

describe('Mailprotector answers in every evidenced shape read the same usage', () => {
  const baseline = async () => {
    const p = await plan();
    expect(p.code).toBe(0);
    return JSON.parse(p.stdout).actions.map(
      (a: { product: { identifier: string }; after: number }) => `${a.product.identifier}=${a.after}`,
    );
  };

  // The single-object form carries one service per group, so it reads other usage by design: its
  // reading is pinned in test/integration/mailprotector-answers.test.ts. Paging that never ends
  // or is ignored needs lists longer than the demo's: test/integration/mailprotector-paging.test.ts.
  it.each<Partial<MpBehaviour>>([
    { services: 'put-form' },
    { services: 'data' },
    { pastTheEnd: 'last-again', pagingHeaders: 'none' },
    { pastTheEnd: '404', pagingHeaders: 'none' },
    { pagingHeaders: 'link' },
  ])('%o: the same plan as the default shapes, never a plan of zeros', async (behaviour) => {
    const expected = await baseline();
    expect(expected.length).toBeGreaterThan(0);
    Object.assign(scene.sandbox.mp.behaviour, behaviour);
    expect(await baseline()).toEqual(expected);
  });
});

describe('runs that must not write at all, or not for one customer', () => {
  it('a second apply while another holds the lock: exit 3, no write', async () => {
    const release = await acquireApplyLock(scene.configDir, { waitMs: 0 });
    try {
      const run = await apply();
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('another cwsync apply holds the lock');
    } finally {
      release();
    }
    expect(writes(scene)).toEqual([]);
  });

  it('a report that cannot be written: refused before any work (exit 1), no write, so no record is lost', async () => {
    const run = await apply({ report: join(scene.repo, 'no-such-dir', 'report.json') });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--report');
    expect(scene.sandbox.cw.requests).toEqual([]);
  });

  it('one customer bound by id and by name: neither binding billed (exit 1), the others applied, no duplicate', async () => {
    await scene.edit(
      'customers.yaml',
      (t) =>
        `${t}\n  - customer: 7114            # Contoso Ltd again, by id\n    company: NORTHWIND\n    agreement: Email Security\n`,
    );
    const run = await apply();
    expect(run.code).toBe(1);
    expect(report().errors.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('customer "Contoso Ltd" (id 7114) in Mailprotector is bound more than once'),
      ]),
    );
    expect(writes(scene).some((r) => r.path.includes('/agreements/1234/'))).toBe(false);
    expect(duplicates(scene)).toEqual([]);
  });
});
