/**
 * Real plans for the rendering checks: the demo (config.example against the demo world) and a
 * generated 300-customer scenario with unbound customers and a mistyped company, each planned
 * in process against the sandbox servers on loopback.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knownAdapters } from '../../src/adapters/registry.js';
import { planFor } from '../../src/cli/pipeline.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import type { Plan } from '../../src/reconcile/types.js';
import { DEMO_ENV, demoWorld } from '../../src/sandbox/demo-data.js';
import { startSandbox } from '../../src/sandbox/start.js';
import type { World } from '../../src/sandbox/world.js';
import { DEFAULT_SCENARIO, generateScenario, scenarioConfigFiles } from '../support/scenario.js';
import { ROOT } from './cli.js';
import { tempDir, writeFiles } from './temp.js';

const NOT_IN_GIT = { inRepo: false, commit: null, dirty: true, changed: [] };
export const NOW = new Date('2026-11-26T02:17:00Z');

async function planWith(
  world: World,
  files: (s: { cw: string; mp: string; cwApi: string; mpApi: string }) => Record<string, string>,
): Promise<Plan> {
  Object.assign(process.env, DEMO_ENV);
  const sandbox = await startSandbox(world);
  try {
    const dir = join(tempDir(), 'config');
    writeFiles(
      dir,
      files({ cw: sandbox.cw.origin, mp: sandbox.mp.origin, cwApi: sandbox.cw.apiBase, mpApi: sandbox.mp.apiBase }),
    );
    const { config, problems } = loadConfig(dir, knownAdapters);
    if (!config) throw new Error(`config invalid: ${JSON.stringify(problems)}`);
    const planned = await planFor(config, NOT_IN_GIT, silentLogger, { now: NOW });
    await planned.close();
    return planned.plan;
  } finally {
    await sandbox.close();
  }
}

/** The demo: config.example against the demo world; `edit` changes a file's text first. */
export function demoPlan(edit: (name: string, text: string) => string = (_, t) => t): Promise<Plan> {
  return planWith(demoWorld(), ({ cw, mp }) =>
    Object.fromEntries(
      readdirSync(join(ROOT, 'config.example')).map((name) => [
        name,
        edit(
          name,
          readFileSync(join(ROOT, 'config.example', name), 'utf8')
            .replaceAll('http://127.0.0.1:47801', cw)
            .replaceAll('http://127.0.0.1:47802', mp)
            .replace('# requestsPerSecond: 5', 'requestsPerSecond: 1000'),
        ),
      ]),
    ),
  );
}

/** The README's walk-through: the demo world with init's services.yaml, whose bundle is commented out. */
export function unbundledDemoPlan(): Promise<Plan> {
  return demoPlan((name, text) => (name === 'services.yaml' ? text.replace(/^bundles:[\s\S]*$/m, '') : text));
}

/** 300 customers, half their additions off: 40 left unbound (not billed), one company mistyped (an error). */
export function bigPlan(): Promise<Plan> {
  const scenario = generateScenario({ ...DEFAULT_SCENARIO, customers: 300, drift: 0.5, missing: 0.05 });
  const lines = scenario.customersYaml.split('\n').slice(1).filter(Boolean);
  const kept = lines
    .slice(0, 260)
    .map((l, i) => (i === 7 ? l.replace(/company: CUST(\d+)/, 'company: CUTS$1') : l))
    .join('\n');
  const tuned = { ...scenario, customersYaml: `customers:\n${kept}\n` };
  return planWith(scenario.world, ({ cwApi, mpApi }) =>
    scenarioConfigFiles(tuned, {
      cwUrl: cwApi,
      mpUrl: mpApi,
      concurrency: 8,
      requestsPerSecond: 1000,
    }),
  );
}
