/**
 * The nightly reads Mailprotector once, and a pull request's plan from the nightly's snapshot
 * not at all: request counts pinned at 60 customers, through the commands as the workflows
 * call them (usage -> plan --usage-snapshot --out -> apply --plan), on a real git repository.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyCommand } from '../../src/cli/commands/apply.js';
import { importCommand } from '../../src/cli/commands/import.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { usageCommand } from '../../src/cli/commands/usage.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { inProcess } from '../helpers/config.js';
import { tempDir, writeFiles } from '../helpers/temp.js';
import { DEFAULT_SCENARIO, generateScenario, scenarioConfigFiles } from '../support/scenario.js';

let sandbox: Sandbox;
let repo: string;
let config: string;
// Enough for several pages of every list; the counts are what matter, not the size.
const CUSTOMERS = 60;

beforeAll(async () => {
  for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, v);
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  vi.stubEnv('CWSYNC_QUIET', '1');
  const scenario = generateScenario({ ...DEFAULT_SCENARIO, customers: CUSTOMERS });
  sandbox = await startSandbox(scenario.world);
  repo = tempDir('cwsync-nightly-');
  config = join(repo, 'config');
  writeFiles(
    config,
    scenarioConfigFiles(scenario, {
      cwUrl: sandbox.cw.apiBase,
      mpUrl: sandbox.mp.apiBase,
      concurrency: 8,
      requestsPerSecond: 1000,
    }),
  );
  const git = simpleGit({ baseDir: repo });
  await git.init();
  await git.addConfig('user.email', 'admin@msp.example').addConfig('user.name', 'MSP Admin');
  await git.add('.').commit('config');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await sandbox.close();
});

const mpRequests = () => sandbox.mp.requests.length;

/**
 * A usage snapshot as the nightly's usage step writes it, made for the test that needs it (so
 * no test depends on another having run first); the requests it made are then forgotten.
 */
async function nightlySnapshot(name: string): Promise<string> {
  const usage = await inProcess(() => usageCommand({ config, format: 'json' }));
  expect(usage.code).toBe(0);
  const path = join(repo, name);
  writeFileSync(path, usage.stdout);
  sandbox.mp.requests.length = 0;
  return path;
}
const cwWrites = () => sandbox.cw.requests.filter((r) => r.method !== 'GET').length;

describe(`the nightly at ${CUSTOMERS} customers`, () => {
  it('reads Mailprotector once: usage, then plan from that snapshot, then apply that plan', async () => {
    const live = await inProcess(() =>
      planCommand({ config, format: 'json', maxUsageAge: '26h', out: join(repo, 'live.json') }),
    );
    expect(live.code).toBe(0);
    const oneRead = mpRequests();
    // 25 a page: the customer pages + the pages of 2 domains a customer (one an alias), each list
    // one page more when its last page is full (proof the total is not understated) + a group
    // list per non-alias domain + a service list per user group (3 a customer).
    const pages = (n: number) => Math.ceil(n / 25) + (n % 25 === 0 ? 1 : 0);
    expect(oneRead).toBe(pages(CUSTOMERS) + pages(2 * CUSTOMERS) + CUSTOMERS + 3 * CUSTOMERS);
    sandbox.mp.requests.length = 0;

    const usage = await inProcess(() => usageCommand({ config, format: 'json' }));
    expect(usage.code).toBe(0);
    writeFileSync(join(repo, 'usage-snapshot.json'), usage.stdout);
    expect(mpRequests()).toBe(oneRead);

    const plan = await inProcess(() =>
      planCommand({
        config,
        format: 'json',
        maxUsageAge: '26h',
        usageSnapshot: join(repo, 'usage-snapshot.json'),
        out: join(repo, 'plan.json'),
      }),
    );
    expect(plan.code).toBe(0);
    const saved = JSON.parse(readFileSync(join(repo, 'plan.json'), 'utf8'));
    expect(saved.usage.source).toBe('snapshot');
    expect(saved.fingerprint).toBe(JSON.parse(readFileSync(join(repo, 'live.json'), 'utf8')).fingerprint);

    const apply = await inProcess(() =>
      applyCommand({ config, plan: join(repo, 'plan.json'), force: true, lockWait: '0' }),
    );
    expect(apply.code).toBe(0);
    expect(mpRequests()).toBe(oneRead); // the plan and the apply added none
    expect(cwWrites()).toBe(saved.actions.length + saved.held.length);
  });

  it('plans a pull request from a fresh snapshot with zero Mailprotector requests, and refuses a stale one', async () => {
    const snapshot = await nightlySnapshot('pr-snapshot.json');
    const fresh = await inProcess(() =>
      planCommand({ config, format: 'json', maxUsageAge: '26h', usageSnapshot: snapshot }),
    );
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout).usage).toMatchObject({ source: 'snapshot', capturedAt: expect.any(String) });
    expect(mpRequests()).toBe(0);

    const stale = JSON.parse(readFileSync(snapshot, 'utf8'));
    stale.capturedAt = new Date(Date.now() - 30 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    writeFileSync(join(repo, 'stale.json'), JSON.stringify(stale));
    const refused = await inProcess(() =>
      planCommand({ config, format: 'json', maxUsageAge: '26h', usageSnapshot: join(repo, 'stale.json') }),
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/is 30 h old, older than the max age of 26 h/);
    expect(mpRequests()).toBe(0);
  });

  it("proposes new customers' bindings from the nightly's snapshot with zero Mailprotector requests", async () => {
    const snapshot = await nightlySnapshot('import-snapshot.json');
    const run = await inProcess(() =>
      importCommand({
        config,
        usageSnapshot: snapshot,
        maxUsageAge: '26h',
        out: join(repo, 'proposed.yaml'),
      }),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/nothing to import|wrote /);
    expect(mpRequests()).toBe(0);
  });
});
