/** The shared first half of plan and apply: config, git state, clients, reads, the plan. */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { ConnectWiseClient } from '../connectwise/client.js';
import { connectWiseFromConfig } from '../connectwise/from-config.js';
import { ConfigError } from '../errors.js';
import type { GitState } from '../git/state.js';
import type { Logger } from '../log.js';
import { gather } from '../reconcile/gather.js';
import { buildPlan, type PlanResult } from '../reconcile/plan.js';
import { usageSourceFromConfig } from '../usage/from-config.js';

export function loadValidConfig(dir: string): Config {
  const { config, problems } = loadConfig(dir);
  if (!config) throw new ConfigError(problems);
  return config;
}

export interface Planned extends PlanResult {
  cw: ConnectWiseClient;
  close(): Promise<void>;
}

export async function planFor(config: Config, git: GitState, logger: Logger, now = new Date()): Promise<Planned> {
  const cw = connectWiseFromConfig(config, logger);
  const usage = usageSourceFromConfig(config, logger);
  const close = async () => {
    await Promise.all([cw.close(), usage.close?.()]);
  };
  try {
    const input = await gather(config, { cw, usage, now, source: { commit: git.commit, dirty: git.dirty } });
    const result = buildPlan(input);
    logger.info(
      {
        fingerprint: result.plan.fingerprint,
        summary: result.plan.summary,
        connectwiseRequests: cw.transport.stats.requests,
      },
      'planned',
    );
    return { ...result, cw, close };
  } catch (err) {
    await close();
    throw err;
  }
}
