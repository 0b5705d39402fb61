import { knownAdapters } from '../../adapters/registry.js';
import { loadValidConfig } from '../../config/load.js';
import { CwsyncError } from '../../errors.js';
import { configGitState } from '../../git/state.js';
import { createLogger } from '../../log.js';
import { progressEnabled } from '../../progress.js';
import { renderJson, renderJsonPieces } from '../../render/json.js';
import { renderMarkdown } from '../../render/markdown.js';
import { renderText } from '../../render/text.js';
import { parseDuration } from '../../usage/snapshot-source.js';
import { durationMs } from '../apply-run.js';
import { appendJobSummary, checkOutputPath, useColor, writeFilePieces } from '../output.js';
import { planFor } from '../pipeline.js';
import type { ExitCode } from '../run.js';
import { basesToCompare, checkTrustedConnection, refuseLiveUsageInPullRequest } from '../trusted-connection.js';

export interface PlanOptions {
  config: string;
  format: 'text' | 'markdown' | 'json';
  out?: string;
  detailedExitcode?: boolean;
  customer?: string[];
  usageSnapshot?: string;
  maxUsageAge: string;
  /** --max-duration: the run's deadline (default 50m). */
  maxDuration?: string;
  /** --base REF: refuse when the connection differs from the one at REF (as in a pull request). */
  base?: string;
  /** --target-snapshot FILE: ConnectWise from the nightly's snapshot instead of read live: no key at all. */
  targetSnapshot?: string;
  maxTargetAge?: string;
  /** --read-only: ConnectWise live with connectwise.readOnly's keys, never the write keys. */
  readOnly?: boolean;
}

export function maxAgeMs(text: string, flag = '--max-usage-age'): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new CwsyncError(`${flag} must be a duration such as 26h, 90m or 2d, not "${text}"`);
  return ms;
}

export async function planCommand(opts: PlanOptions): Promise<ExitCode> {
  const deadlineAt = Date.now() + durationMs('--max-duration', opts.maxDuration ?? '50m');
  const config = loadValidConfig(opts.config, knownAdapters);
  // Before anything resolves a secret or connects: a pull request's connection is not trusted.
  await checkTrustedConnection(config, basesToCompare(opts.base));
  refuseLiveUsageInPullRequest(config, opts.usageSnapshot);
  if (opts.out) checkOutputPath(opts.out, '--out');
  const snapshot = opts.usageSnapshot ? { path: opts.usageSnapshot, maxAgeMs: maxAgeMs(opts.maxUsageAge) } : undefined;
  if (opts.targetSnapshot && opts.readOnly)
    throw new CwsyncError('--target-snapshot and --read-only are two ways to read ConnectWise: pass one');
  const targetSnapshot = opts.targetSnapshot
    ? { path: opts.targetSnapshot, maxAgeMs: maxAgeMs(opts.maxTargetAge ?? '26h', '--max-target-age') }
    : undefined;
  const logger = createLogger();
  const git = await configGitState(config.dir);
  const planned = await planFor(config, git, logger, {
    scope: opts.customer,
    snapshot,
    targetSnapshot,
    readOnly: opts.readOnly,
    run: { deadlineAt },
  });
  try {
    const { plan } = planned;
    const render = {
      text: () => renderText(plan, { color: useColor() }),
      markdown: () => renderMarkdown(plan),
      json: () => renderJson(plan),
    }[opts.format];
    process.stdout.write(render());
    if (opts.out) writeFilePieces(opts.out, renderJsonPieces(plan), '--out');
    if (opts.out && git.dirty && progressEnabled())
      process.stderr.write(
        `note: the config has uncommitted changes, so apply --plan ${opts.out} will refuse this plan (unless it too runs with --allow-dirty on the same uncommitted config): commit, then plan again\n`,
      );
    appendJobSummary(() => renderMarkdown(plan, { limit: 900_000 }));
    if (plan.errors.length > 0) return 1;
    return opts.detailedExitcode && plan.actions.length + plan.held.length > 0 ? 2 : 0;
  } finally {
    await planned.close();
  }
}
