/**
 * `cwsync import`: proposes bindings for unbound Mailprotector customers, as a new YAML file
 * under the config directory (or --out), or with --pull-request as the nightly's one pull
 * request for unbound customers that have usage.
 */
import { knownAdapters } from '../../adapters/registry.js';
import { displayPath, loadValidConfig } from '../../config/load.js';
import { CwsyncError } from '../../errors.js';
import { githubRepoFromEnv } from '../../github/api.js';
import type { NewCustomersOutcome } from '../../github/pull-request.js';
import { importPullRequest, importToFile } from '../../import/run.js';
import type { Proposal } from '../../import/types.js';
import { createLogger } from '../../log.js';
import { createProgress } from '../../progress.js';
import { parseDuration, SnapshotUsageSource } from '../../usage/snapshot-source.js';
import { plural } from '../../words.js';
import type { ExitCode } from '../run.js';
import { checkPullRequestConnection } from '../trusted-connection.js';

export interface ImportOptions {
  config: string;
  out?: string;
  agreement?: string;
  pullRequest?: boolean;
  usageSnapshot?: string;
  maxUsageAge: string;
}

/** `--usage-snapshot`: the nightly's snapshot, so its new-customers job reads Mailprotector not at all. */
function snapshotSource(opts: ImportOptions) {
  if (!opts.usageSnapshot) return undefined;
  const ms = parseDuration(opts.maxUsageAge);
  if (ms === undefined || ms <= 0)
    throw new CwsyncError(`--max-usage-age must be a duration such as 26h, 90m or 2d, not "${opts.maxUsageAge}"`);
  const now = new Date();
  return new SnapshotUsageSource(opts.usageSnapshot, ms, () => now);
}

function counts(proposals: Proposal[]): string {
  const n = (v: Proposal['verdict']) => proposals.filter((p) => p.verdict === v).length;
  return `${n('accepted')} accepted, ${n('review')} to review (commented out), ${n('unmatched')} unmatched`;
}

export async function importCommand(opts: ImportOptions): Promise<ExitCode> {
  const config = loadValidConfig(opts.config, knownAdapters);
  await checkPullRequestConnection(config);
  const logger = createLogger();
  if (opts.pullRequest) {
    if (opts.out !== undefined)
      throw new CwsyncError('--out and --pull-request do not go together', {
        hint: '--pull-request puts the file in the pull request; drop --out',
      });
    const repo = githubRepoFromEnv(process.env, 'cwsync import --pull-request');
    const progress = createProgress({ label: 'Mailprotector' });
    const outcome = await importPullRequest(config, {
      usage: snapshotSource(opts),
      agreement: opts.agreement,
      logger,
      repo,
      workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
      onProgress: (p) => progress.update(p),
    }).finally(() => progress.end());
    process.stdout.write(`${describeOutcome(outcome)}\n`);
    return 0;
  }
  const progress = createProgress({ label: 'Mailprotector' });
  const result = await importToFile(config, {
    usage: snapshotSource(opts),
    out: opts.out,
    agreement: opts.agreement,
    logger,
    onProgress: (p) => progress.update(p),
  }).finally(() => progress.end());
  if (!result.target) {
    const unmatched = result.proposals.filter((p) => p.verdict === 'unmatched');
    process.stdout.write(
      unmatched.length === 0
        ? `all ${plural(result.bound, 'Mailprotector customer')} are bound; nothing to import\n`
        : `nothing written: ${plural(unmatched.length, 'unbound customer')} matched no ConnectWise company: ${unmatched
            .map((p) => JSON.stringify(p.customer.name))
            .join(
              ', ',
            )}\nbind them by hand in customers.yaml, or create their companies in ConnectWise and run import again\n`,
    );
    return 0;
  }
  const out = [
    `wrote ${result.files.map((f) => displayPath(f.path)).join(', ')}: ${counts(result.proposals)}; ${plural(result.bound, 'customer')} already bound left out`,
    ...(result.domainsNote ? [`note: ${result.domainsNote}`] : []),
    ...(result.target.partOfConfig
      ? []
      : ['note: this file is outside the config directory: move it to customers/ there to use it']),
    'next: review it (each binding says how it matched, with its score), then `cwsync validate` and `cwsync plan`, and commit it',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

function describeOutcome(o: NewCustomersOutcome): string {
  const where = (n: number, url?: string) => `pull request #${n}${url ? ` ${url}` : ''}`;
  const declined =
    'declined' in o && o.declined.length > 0
      ? `; ${plural(o.declined.length, 'customer')} declined in closed pull requests left out`
      : '';
  switch (o.kind) {
    case 'opened':
      return `opened ${where(o.number, o.url)} with bindings for ${plural(o.customers.length, 'new customer')}${declined}`;
    case 'updated':
      return `updated ${where(o.number, o.url)}: now ${plural(o.customers.length, 'new customer')}${declined}`;
    case 'unchanged':
      return `${where(o.number, o.url)} is up to date (${plural(o.customers.length, 'new customer')})${declined}`;
    case 'kept':
      return `left ${where(o.number, o.url)} alone: ${o.reason}`;
    case 'nothing':
      return `no pull request needed: ${o.reason}${declined}`;
  }
}
