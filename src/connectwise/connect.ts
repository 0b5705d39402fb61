/** The ConnectWise billing target for a config: live (write or read-only keys) or from a saved snapshot. */

import type { AdapterContext, CaptureOptions, ConnectedTarget, SnapshotPort } from '../adapters/types.js';
import type { Check } from '../check.js';
import type { BillCustomer, Config, EffectiveDatePolicy } from '../config/types.js';
import type { ShapeRow } from '../http/shape.js';
import { managedProducts } from '../reconcile/plan.js';
import { plural } from '../words.js';
import { catalogChecks, connectWiseChecks } from './doctor.js';
import { describeConnectWiseShapes } from './doctor-shapes.js';
import { connectWiseFromConfig } from './from-config.js';
import { connectWiseSettings } from './settings.js';
import { SnapshotTarget } from './snapshot-target.js';
import { ConnectWiseTarget, type WritePolicy } from './target.js';
import { captureTargetSnapshot, loadTargetSnapshot } from './target-snapshot.js';

/**
 * connectwise.billCustomer and connectwise.effectiveDate. A cwsync.yaml written before they
 * moved has them under policy:, which is still read when connectwise: has none.
 */
function writePolicy(config: Config): WritePolicy {
  const cw = connectWiseSettings(config);
  const legacy = config.policy as { billCustomer?: BillCustomer; effectiveDate?: EffectiveDatePolicy };
  return {
    billCustomer: cw.billCustomer ?? legacy.billCustomer,
    effectiveDate: cw.effectiveDate ?? legacy.effectiveDate,
  };
}

export function connectConnectWise(config: Config, context: AdapterContext & { readOnly?: boolean }): ConnectedTarget {
  const cw = connectWiseFromConfig(config, context.logger, { readOnly: context.readOnly, ...context.run });
  const target = new ConnectWiseTarget(cw, {
    agreementStatuses: config.policy.agreementStatuses,
    ...writePolicy(config),
  });
  return {
    target,
    label: `ConnectWise company ${connectWiseSettings(config).company}`,
    close: () => cw.close(),
    requests: () => cw.transport.stats.requests,
  };
}

/** `cwsync doctor`'s ConnectWise checks; the catalog only once the credentials pass (every item would fail alike). */
export async function connectWiseDoctor(config: Config, context: AdapterContext): Promise<Check[]> {
  const client = connectWiseFromConfig(config, context.logger, context.run);
  try {
    const settings = connectWiseSettings(config);
    const checks = await connectWiseChecks(client, settings.site ?? settings.url ?? '');
    if (checks.every((c) => c.ok)) checks.push(...(await catalogChecks(client, managedProducts(config))));
    return checks;
  } finally {
    await client.close();
  }
}

export async function connectWiseShapes(config: Config, context: AdapterContext): Promise<ShapeRow[]> {
  const client = connectWiseFromConfig(config, context.logger, context.run);
  try {
    return await describeConnectWiseShapes(client);
  } finally {
    await client.close();
  }
}

/** `cwsync snapshot`: companies, agreements, catalog items and lines, as plan --target-snapshot reads them. */
export async function captureConnectWise(config: Config, options: CaptureOptions) {
  const settings = connectWiseSettings(config);
  const client = connectWiseFromConfig(config, options.logger, { readOnly: options.readOnly, ...options.run });
  try {
    const snapshot = await captureTargetSnapshot(client, settings, {
      bindings: config.customers,
      productIdentifiers: managedProducts(config),
      allAgreements: options.allAgreements ?? false,
      concurrency: settings.concurrency,
      now: () => new Date(),
    });
    const summary = `ConnectWise snapshot: ${plural(snapshot.companies.length, 'company', 'companies')}, ${plural(snapshot.agreements.length, 'agreement')}, ${plural(snapshot.catalog.items.length, 'catalog item')}, the lines of ${plural(snapshot.additions.length, 'agreement')}; captured ${snapshot.capturedAt}`;
    return { text: `${JSON.stringify(snapshot, null, 1)}\n`, summary };
  } finally {
    await client.close();
  }
}

export function snapshotPort(config: Config, path: string, maxAgeMs: number, now: Date): SnapshotPort {
  const snapshot = loadTargetSnapshot(path, connectWiseSettings(config), maxAgeMs, now);
  const target = new SnapshotTarget(snapshot, path, { agreementStatuses: config.policy.agreementStatuses });
  return { target, capturedAt: snapshot.capturedAt };
}
