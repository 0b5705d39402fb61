/**
 * `cwsync snapshot --out FILE`: what a pull request's plan needs of the billing system, saved by
 * the nightly (after apply, so the lines are those apply left) beside the usage snapshot, so
 * that pull-request plans hold no key of it (`plan --target-snapshot FILE`). Only reads; the
 * billing system's adapter captures it (ConnectWise's: companies, agreements, catalog, lines).
 */

import { knownAdapters, targetAdapterFor } from '../../adapters/registry.js';
import { loadValidConfig } from '../../config/load.js';
import { RefusedError } from '../../errors.js';
import { createLogger } from '../../log.js';
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
  const config = loadValidConfig(opts.config, knownAdapters);
  await checkPullRequestConnection(config);
  checkOutputPath(opts.out, '--out');
  const adapter = targetAdapterFor(config);
  if (!adapter.captureSnapshot)
    throw new RefusedError(`${adapter.name} has no snapshots`, { hint: 'plan pull requests live instead' });
  const { text, summary } = await adapter.captureSnapshot(config, {
    logger: createLogger(),
    readOnly: opts.readOnly,
    allAgreements: opts.allAgreements,
  });
  writeFile(opts.out, text, '--out');
  process.stderr.write(`${summary.replace(/^([^:]*):/, `$1 ${opts.out}:`)}\n`);
  return 0;
}
