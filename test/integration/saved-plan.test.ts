/**
 * A saved plan is applied only as made, over real HTTP: plan --out, then apply --plan, in
 * process, against the sandbox's fake ConnectWise and Mailprotector and a real git repository.
 * A tampered plan, or one whose agreement moved, was cancelled or lost its company between plan
 * and apply, writes nothing it should not.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyCommand } from '../../src/cli/commands/apply.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { fingerprint } from '../../src/reconcile/fingerprint.js';
import { allActions } from '../../src/reconcile/recompute.js';
import type { Plan } from '../../src/reconcile/types.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { inProcess } from '../helpers/config.js';
import { type Scene, startScene } from '../helpers/scene.js';

let scene: Scene;

beforeAll(async () => {
  for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, v);
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  vi.stubEnv('CWSYNC_QUIET', '1');
  scene = await startScene();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await scene.close();
});

const config = () => scene.configDir;
const planPath = () => join(scene.repo, 'plan.json');
const writes = () => scene.sandbox.cw.requests.filter((r) => r.method !== 'GET');

async function savePlan(): Promise<Plan> {
  const run = await inProcess(() =>
    planCommand({ config: config(), format: 'json', maxUsageAge: '26h', out: planPath() }),
  );
  expect(run.code).toBe(0);
  const plan = JSON.parse(readFileSync(planPath(), 'utf8')) as Plan;
  expect(plan.actions.length).toBeGreaterThan(1);
  scene.sandbox.cw.requests.length = 0;
  return plan;
}

const apply = () => inProcess(() => applyCommand({ config: config(), plan: planPath(), lockWait: '0' }));

function save(plan: Plan): void {
  writeFileSync(planPath(), JSON.stringify(plan));
}

describe('apply --plan over HTTP refuses a tampered plan (exit 3, zero writes)', () => {
  it('refuses a plan whose action was edited to after 5600', async () => {
    const plan = await savePlan();
    plan.actions[0]!.after = 5600;
    save(plan);
    const run = await apply();
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      'refused: the saved plan ' +
        planPath() +
        ' is not the plan cwsync made: its actions do not follow from what it recorded; nothing was written',
    );
    expect(run.stderr).toMatch(/-update on agreement \d+ .* -> 5600/);
    expect(writes()).toEqual([]);
  });

  it('refuses a plan with an added create of 999, its fingerprint recomputed', async () => {
    const plan = await savePlan();
    const template = plan.actions[0]!;
    const productIds = new Set(
      plan.actions.filter((a) => a.agreement.id === template.agreement.id).map((a) => a.product.id),
    );
    const other = plan.inputs!.products.find((p) => !productIds.has(p.id))!;
    plan.actions.push({
      ...template,
      action: 'create',
      product: { id: other.id, identifier: other.identifier },
      additionId: null,
      before: null,
      after: 999,
    });
    plan.fingerprint = fingerprint(allActions(plan));
    save(plan);
    const run = await apply();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/-create on agreement \d+ .* quantity 999/);
    expect(writes()).toEqual([]);
  });

  it('refuses a plan whose source.config was deleted', async () => {
    const plan = await savePlan();
    delete plan.source.config;
    save(plan);
    const run = await apply();
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('records no digest of the config it was made with');
    expect(writes()).toEqual([]);
  });

  it('refuses a plan whose quantity and recorded usage were edited to 2^53+1, never reading it as 2^53', async () => {
    const plan = await savePlan();
    // Written as text: JSON.stringify could not write 9007199254740993 (it is 9007199254740992 once read).
    const text = JSON.stringify(plan).replace(/"after":\d+/, '"after":9007199254740993');
    expect(text).toContain('"after":9007199254740993');
    writeFileSync(planPath(), text);
    const run = await apply();
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `refused: the saved plan ${planPath()} holds at $.actions[0].after an integer beyond 2^53 - 1 (9007199254740991), which JSON cannot carry exactly; nothing was written`,
    );
    expect(writes()).toEqual([]);
  });
});

describe('apply --plan over HTTP re-reads each agreement before writing to it', () => {
  /** On a scene of its own: plans, changes one written-to agreement in the fake, applies. */
  async function moveThenApply(change: (agreementId: number) => void) {
    const shared = scene;
    scene = await startScene();
    try {
      const plan = await savePlan();
      const target = plan.actions[0]!.agreement.id;
      change(target);
      const run = await apply();
      const toTarget = writes().filter((w) => w.path.includes(`/finance/agreements/${target}/`));
      const elsewhere = writes().filter((w) => !w.path.includes(`/finance/agreements/${target}/`));
      return { run, plan, target, toTarget, elsewhere };
    } finally {
      await scene.close();
      scene = shared;
    }
  }

  it('writes nothing to an agreement moved to another company since the plan (exit 1, the rest applied)', async () => {
    const { run, target, toTarget, elsewhere } = await moveThenApply((id) => {
      const a = scene.world.cw.agreements.find((x) => x.id === id)!;
      const other = scene.world.cw.companies.find((c) => c.id !== a.companyId && !c.deletedFlag)!;
      a.companyId = other.id;
    });
    expect(toTarget).toEqual([]);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(`nothing was written to agreement ${target}: agreement ${target} \\(".*"\\) now belongs to company`),
    );
  });

  it('writes nothing to an agreement cancelled since the plan', async () => {
    const { run, target, toTarget } = await moveThenApply((id) => {
      const a = scene.world.cw.agreements.find((x) => x.id === id)!;
      a.cancelledFlag = true;
      a.agreementStatus = 'Cancelled';
    });
    expect(toTarget).toEqual([]);
    expect(run.stdout).toContain(`nothing was written to agreement ${target}: agreement ${target}`);
    expect(run.stdout).toContain('is cancelled');
  });

  it('writes nothing to an agreement Expired since the plan (policy.agreementStatuses is Active)', async () => {
    const { run, target, toTarget, elsewhere } = await moveThenApply((id) => {
      scene.world.cw.agreements.find((x) => x.id === id)!.agreementStatus = 'Expired';
    });
    expect(toTarget).toEqual([]);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`nothing was written to agreement ${target}: agreement ${target}`);
    expect(run.stdout).toContain('Expired');
  });

  it('writes nothing to an agreement whose company was deleted since the plan', async () => {
    const { run, target, toTarget } = await moveThenApply((id) => {
      const a = scene.world.cw.agreements.find((x) => x.id === id)!;
      const company = scene.world.cw.companies.find((c) => c.id === a.companyId)!;
      company.deletedFlag = true;
    });
    expect(toTarget).toEqual([]);
    expect(run.stdout).toMatch(
      new RegExp(`nothing was written to agreement ${target}: the company .* of agreement ${target} is deleted`),
    );
  });
});
