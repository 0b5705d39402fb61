/** The ConnectWise billing target for a config: live (write or read-only keys) or from a saved snapshot. */
import type { AdapterContext, ConnectedTarget, SnapshotPort } from '../adapters/types.js';
import type { Config } from '../config/types.js';
import { connectWiseFromConfig } from './from-config.js';
import { SnapshotTarget } from './snapshot-target.js';
import { ConnectWiseTarget } from './target.js';
import { loadTargetSnapshot } from './target-snapshot.js';

export function connectConnectWise(config: Config, context: AdapterContext & { readOnly?: boolean }): ConnectedTarget {
  const cw = connectWiseFromConfig(config, context.logger, { readOnly: context.readOnly, ...context.run });
  const target = new ConnectWiseTarget(cw, { agreementStatuses: config.policy.agreementStatuses });
  return { target, close: () => cw.close(), requests: () => cw.transport.stats.requests };
}

export function snapshotPort(config: Config, path: string, maxAgeMs: number, now: Date): SnapshotPort {
  const snapshot = loadTargetSnapshot(path, config.connectwise, maxAgeMs, now);
  const target = new SnapshotTarget(snapshot, path, { agreementStatuses: config.policy.agreementStatuses });
  return { target, capturedAt: snapshot.capturedAt };
}
