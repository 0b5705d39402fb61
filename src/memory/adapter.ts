/**
 * A billing system held in a JSON file, as a target (`memory: { state: billing.json }` in
 * cwsync.yaml): the second target plugged in through the registry, to try cwsync without a
 * ConnectWise and to prove that the core needs no vendor (docs/adding-an-adapter.md walks
 * through it). Light, as the registry imports it: the target loads when a command connects.
 */
import { resolve } from 'node:path';
import type { TargetAdapter } from '../adapters/types.js';
import type { Config } from '../config/types.js';

/** Its section of cwsync.yaml. */
interface MemorySettings {
  state: string;
}

const settingsOf = (config: Config) => config.memory as MemorySettings;

/** The state file: relative to the config directory, as every path cwsync.yaml names. */
const statePath = (config: Config) => resolve(config.dir, settingsOf(config).state);

export const memoryAdapter: TargetAdapter = {
  key: 'memory',
  name: 'the in-memory billing system',
  capabilities: { cancelLine: true, readOnlyKeys: false, snapshots: false },
  settingsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['state'],
    description: 'A billing system held in a JSON file (to try cwsync without ConnectWise, and in tests)',
    properties: {
      state: {
        type: 'string',
        minLength: 1,
        description:
          'Its state: a JSON file of companies, agreements, products and lines, relative to the config directory',
      },
    },
  },
  // Where its state is, is where writes go: connection, not tuning.
  tuning: [],
  concurrency: () => 4,
  secrets: () => [],
  async connect(config) {
    const { loadState } = await import('./state.js');
    const { InMemoryTarget } = await import('./target.js');
    const path = statePath(config);
    const target = new InMemoryTarget(loadState(path, settingsOf(config).state), path, {
      agreementStatuses: config.policy.agreementStatuses,
    });
    return {
      target,
      label: `the in-memory billing system ${settingsOf(config).state}`,
      close: async () => {},
      requests: () => 0,
    };
  },
  async doctor(config) {
    const { loadState } = await import('./state.js');
    const name = `the in-memory billing system's state ${settingsOf(config).state} reads`;
    try {
      const s = loadState(statePath(config), settingsOf(config).state);
      return [{ name, ok: true, detail: `${s.companies.length} companies, ${s.lines.length} lines` }];
    } catch (err) {
      return [{ name, ok: false, detail: (err as Error).message, fix: (err as { hint?: string }).hint }];
    }
  },
};
