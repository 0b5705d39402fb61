/**
 * ConnectWise Manage as a billing target (`connectwise:` in cwsync.yaml). This module is what
 * the registry imports, so it stays light: the client and its HTTP stack load only when a
 * command connects.
 */

import type { TargetAdapter } from '../adapters/types.js';
import type { Config } from '../config/types.js';
import { connectWiseSettings } from './settings.js';
import { connectWiseSettingsSchema } from './settings-schema.js';

export const connectWiseAdapter: TargetAdapter = {
  key: 'connectwise',
  name: 'ConnectWise',
  capabilities: { cancelLine: true, readOnlyKeys: true, snapshots: true },
  settingsSchema: connectWiseSettingsSchema,
  // billCustomer and effectiveDate were policy: before they moved here: still a pull request's to change.
  tuning: ['concurrency', 'timeoutSeconds', 'billCustomer', 'effectiveDate'],
  concurrency: (config: Config) => connectWiseSettings(config).concurrency,
  async connect(config, context) {
    const { connectConnectWise } = await import('./connect.js');
    return connectConnectWise(config, context);
  },
  secrets(config) {
    const cw = connectWiseSettings(config);
    return [
      ['connectwise.publicKey', cw.publicKey],
      ['connectwise.privateKey', cw.privateKey],
      ['connectwise.clientId', cw.clientId],
    ];
  },
  async doctor(config, context) {
    const { connectWiseDoctor } = await import('./connect.js');
    return connectWiseDoctor(config, context);
  },
  async shapes(config, context) {
    const { connectWiseShapes } = await import('./connect.js');
    return connectWiseShapes(config, context);
  },
  async captureSnapshot(config, options) {
    const { captureConnectWise } = await import('./connect.js');
    return captureConnectWise(config, options);
  },
  async fromSnapshot(config, path, maxAgeMs, now) {
    const { snapshotPort } = await import('./connect.js');
    return snapshotPort(config, path, maxAgeMs, now);
  },
};
