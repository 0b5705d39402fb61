/**
 * `cwsync snapshot --out FILE`: what a pull request's plan needs of ConnectWise, saved by the
 * nightly (after apply, so the lines are those apply left) beside the usage snapshot, so that
 * pull-request plans hold no ConnectWise key (`plan --target-snapshot FILE`). Only reads.
 */

import { loadValidConfig } from '../../config/load.js';
import { connectWiseFromConfig } from '../../connectwise/from-config.js';
import { connectWiseSettings } from '../../connectwise/settings.js';
import { captureTargetSnapshot } from '../../connectwise/target-snapshot.js';
import { createLogger } from '../../log.js';
import { managedProducts } from '../../reconcile/plan.js';
import { plural } from '../../words.js';
import { checkOutputPath, writeFile } from '../output.js';
import type { ExitCode } from '../run.js';
import { checkPullRequestConnection } from '../trusted-connection.js';

export interface SnapshotOptions {
  config: string;
  out: string;
  readOnly?: boolean;
  allAgreements?: boolean;
}

export async function snapshotCommand(opts: SnapshotOptions): Promise<ExitCode> {
  const config = loadValidConfig(opts.config);
  await checkPullRequestConnection(config);
  checkOutputPath(opts.out, '--out');
  const client = connectWiseFromConfig(config, createLogger(), { readOnly: opts.readOnly });
  try {
    const snapshot = await captureTargetSnapshot(client, connectWiseSettings(config), {
      bindings: config.customers,
      productIdentifiers: managedProducts(config),
      allAgreements: opts.allAgreements ?? false,
      concurrency: connectWiseSettings(config).concurrency,
      now: () => new Date(),
    });
    writeFile(opts.out, `${JSON.stringify(snapshot, null, 1)}\n`, '--out');
    process.stderr.write(
      `ConnectWise snapshot ${opts.out}: ${plural(snapshot.companies.length, 'company', 'companies')}, ${plural(snapshot.agreements.length, 'agreement')}, ${plural(snapshot.catalog.items.length, 'catalog item')}, the lines of ${plural(snapshot.additions.length, 'agreement')}; captured ${snapshot.capturedAt}\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}
