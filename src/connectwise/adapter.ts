/**
 * ConnectWise Manage as a billing target (`connectwise:` in cwsync.yaml). This module is what
 * the registry imports, so it stays light: the client and its HTTP stack load only when a
 * command connects.
 */
import type { TargetAdapter } from '../adapters/types.js';
import type { Config } from '../config/types.js';

export const connectWiseAdapter: TargetAdapter = {
  key: 'connectwise',
  name: 'ConnectWise',
  capabilities: { cancelLine: true, prices: true, readOnlyKeys: true, snapshots: true },
  concurrency: (config: Config) => config.connectwise.concurrency,
  async connect(config, context) {
    const { connectConnectWise } = await import('./connect.js');
    return connectConnectWise(config, context);
  },
  async fromSnapshot(config, path, maxAgeMs, now) {
    const { snapshotPort } = await import('./connect.js');
    return snapshotPort(config, path, maxAgeMs, now);
  },
};
