/**
 * Pins the request counts of a small generated scenario, so a change that makes cwsync chattier
 * (per-name lookups, lost batching, extra pages) fails CI. Measured, never timed.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { planFor } from '../../src/cli/pipeline.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { applyPlan } from '../../src/reconcile/apply.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { tempDir, writeFiles } from '../helpers/temp.js';
import { DEFAULT_SCENARIO, generateScenario, scenarioConfigFiles } from '../support/scenario.js';

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  Object.assign(process.env, DEMO_ENV);
  const scenario = generateScenario({ ...DEFAULT_SCENARIO, customers: 120 });
  sandbox = await startSandbox(scenario.world);
  dir = join(tempDir(), 'config');
  writeFiles(
    dir,
    scenarioConfigFiles(scenario, {
      cwUrl: sandbox.cw.apiBase,
      mpUrl: sandbox.mp.apiBase,
      concurrency: 8,
      requestsPerSecond: 1000,
    }),
  );
});
afterAll(() => sandbox.close());

describe('request counts at 120 customers, 3 user groups each', () => {
  it('plan reads each API a pinned number of times, and apply writes once per action', async () => {
    const { config } = loadConfig(dir, knownAdapters);
    const planned = await planFor(config!, { inRepo: false, commit: null, dirty: true, changed: [] }, silentLogger);
    const mp = sandbox.mp.requests.map((r) => r.path.replace(/\d+/g, 'N'));
    const cw = sandbox.cw.requests.map((r) => r.path.replace('/v4_6_release/apis/3.0', '').replace(/\d+/g, 'N'));
    const tally = (paths: string[]) =>
      paths.reduce<Record<string, number>>((t, p) => {
        t[p] = (t[p] ?? 0) + 1;
        return t;
      }, {});
    // Mailprotector at 25 a page: 5 pages of customers, 10 of reseller domains (aliases included), then per domain its groups and per group its services.
    expect(tally(mp)).toEqual({
      '/api/vN/resellers/N/customers': 5,
      '/api/vN/resellers/N/domains': 10,
      '/api/vN/domains/N/user_groups': 120,
      '/api/vN/user_groups/N/services': 360,
    });
    // ConnectWise: companies in 2 in-list batches of identifiers, agreements in 1 batch of company ids, 1 catalog page, 1 additions list per agreement.
    expect(tally(cw)).toEqual({
      '/company/companies': 2,
      '/finance/agreements': 1,
      '/procurement/catalog': 1,
      '/finance/agreements/N/additions': 120,
    });
    const { plan } = planned;
    expect(plan.actions.length).toBeGreaterThan(10);
    // Every line read is in the plan's input: let go once the plan is built, unless asked for (explain).
    expect(planned.input).toBeUndefined();
    sandbox.cw.requests.length = 0;
    // The generated world has decreases over maxDecreasePercent: forced, so every change is written once.
    const report = await applyPlan(planned.target, plan, config!.policy, {
      now: new Date(),
      concurrency: 8,
      force: true,
      actor: null,
    });
    await planned.close();
    expect(report.summary).toEqual({
      applied: plan.actions.length + plan.held.length,
      failed: 0,
      unknown: 0,
      held: 0,
      skipped: 0,
      errors: 0,
    });
    const writes = sandbox.cw.requests.filter((r) => r.method !== 'GET');
    expect(writes).toHaveLength(plan.actions.length + plan.held.length);
    // Never a duplicate: each create reads its agreement's lines just before and just after it.
    const creates = [...plan.actions, ...plan.held].filter((a) => a.action === 'create').length;
    expect(creates).toBeGreaterThan(0);
    expect(sandbox.cw.requests.filter((r) => r.method === 'GET')).toHaveLength(2 * creates);
  });
});
