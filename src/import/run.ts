/**
 * The two ways import runs, over the real clients: to a new file for a person to review, or
 * (the nightly) as the one pull request of bindings for unbound customers with usage.
 */

import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { connectTarget, openUsageSource } from '../adapters/registry.js';
import { displayPath } from '../config/load.js';
import { checkSchema } from '../config/schemas.js';
import type { Config } from '../config/types.js';
import { loadYamlFile } from '../config/yaml-file.js';
import { CwsyncError, formatProblem } from '../errors.js';
import { GitHubApi, type GitHubRepo } from '../github/api.js';
import { type NewCustomersOutcome, upsertNewCustomersPullRequest } from '../github/pull-request.js';
import type { Logger } from '../log.js';
import { isoSeconds } from '../time.js';
import type { ReadProgress, UsageSource } from '../usage/types.js';
import { chooseOutput, type OutputTarget, partOf, writeProposals } from './output.js';
import { boundBy, propose } from './propose.js';
import { readCustomers, readTarget } from './read.js';
import { type RenderMeta, renderProposals } from './render.js';
import { renderSummary } from './summary.js';
import type { ExistingBinding, Proposal } from './types.js';

export interface ImportRunOptions {
  /** `--out`; default customers/imported-DATE.yaml in the config directory. */
  out?: string;
  /** `--agreement`: a glob over agreement names and types. */
  agreement?: string;
  now?: Date;
  logger?: Logger;
  /** Progress of the usage source's read (long on a first night with many unbound customers). */
  onProgress?: (p: ReadProgress) => void;
  /** `--usage-snapshot`: customers and usage from a saved snapshot (the nightly's) instead of the usage source. */
  usage?: UsageSource & { close?: () => Promise<void> };
}

/**
 * Bindings per file: about 400 bytes each with their comments, so a file stays well under
 * the config loader's 1 MB limit.
 */
export const MAX_PER_FILE = 1500;

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Renders and writes the proposals, MAX_PER_FILE to a file; returns the files written. */
export function writeInParts(
  configDir: string,
  target: OutputTarget,
  proposals: Proposal[],
  meta: RenderMeta,
): OutputTarget[] {
  const parts = chunks(proposals, MAX_PER_FILE);
  const files = parts.map((_, i) => partOf(target, i + 1));
  const texts = parts.map((part, i) =>
    renderProposals(part, parts.length > 1 ? { ...meta, part: { n: i + 1, of: parts.length } } : meta),
  );
  writeProposals(configDir, files, texts);
  return files;
}

export interface ImportFileResult {
  /** Undefined when every customer was bound already and nothing was written. */
  target?: OutputTarget;
  /** Every file written: the target, then its parts for a long proposal. */
  files: OutputTarget[];
  proposals: Proposal[];
  bound: number;
  domainsNote?: string;
}

const existingOf = (config: Config): ExistingBinding[] =>
  config.customers.map((b) => ({
    customer: b.customer,
    company: b.company,
    where: `${b.source.file}:${b.source.line}`,
  }));

const commandLine = (o: ImportRunOptions, extra = '') =>
  `cwsync import${o.agreement !== undefined ? ` --agreement ${JSON.stringify(o.agreement)}` : ''}${extra}`;

export async function importToFile(config: Config, o: ImportRunOptions = {}): Promise<ImportFileResult> {
  const now = o.now ?? new Date();
  // The output is checked before anything is read: a refusal costs no API call.
  const target = chooseOutput(config.dir, o.out, isoSeconds(now).slice(0, 10));
  const source = o.usage ?? (await openUsageSource(config, { logger: o.logger }));
  const billing = await connectTarget(config, { logger: o.logger });
  try {
    const [mp, cwData] = await Promise.all([
      readCustomers(source, { logger: o.logger, onProgress: o.onProgress }),
      readTarget(billing.target),
    ]);
    const { proposals, bound } = propose({
      customers: mp.customers,
      ...cwData,
      existing: existingOf(config),
      agreementPattern: o.agreement,
    });
    // Nothing to bind (none left, or none matched a company): no file, so the config stays clean.
    if (proposals.every((p) => p.verdict === 'unmatched'))
      return { files: [], proposals, bound, domainsNote: mp.domainsNote };
    const meta: RenderMeta = {
      generatedAt: `${isoSeconds(now).replace('T', ' ').replace('Z', '')} UTC`,
      source: `${source.label} and ${billing.label}`,
      command: commandLine(o),
      bound,
      notes: mp.domainsNote ? [mp.domainsNote] : [],
    };
    const files = writeInParts(config.dir, target, proposals, meta);
    return { target, files, proposals, bound, domainsNote: mp.domainsNote };
  } finally {
    await Promise.all([billing.close(), source.close?.()]);
  }
}

/** The config's customers/ directory as a path inside the checked-out repository. */
function repositoryDir(config: Config, workspace: string): string {
  const root = realpathSync(workspace);
  const rel = relative(root, join(realpathSync(config.dir), 'customers'));
  if (rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep))
    throw new CwsyncError(`the config directory ${displayPath(config.dir)} is outside the repository at ${root}`, {
      hint: 'run cwsync import --pull-request from the root of the checked-out config repository',
    });
  return rel.split(sep).join('/');
}

/** The rendered file must validate as a customers file before it goes anywhere. */
function checkRendered(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'cwsync-import-'));
  try {
    const path = join(dir, 'new-customers.yaml');
    writeFileSync(path, text);
    const { file, problems } = loadYamlFile(path, 'new-customers.yaml');
    const all = file ? checkSchema(file, 'customers') : problems;
    if (all.length > 0)
      throw new CwsyncError(`the proposed bindings would not validate:\n${all.map(formatProblem).join('\n')}`, {
        hint: 'this is a bug in cwsync import: please report it with the lines above',
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface PullRequestRunOptions extends Omit<ImportRunOptions, 'out'> {
  repo: GitHubRepo;
  /** The checked-out repository (GITHUB_WORKSPACE). */
  workspace: string;
  /** Test runs shorten the GitHub client's backoff. */
  githubOverrides?: { baseDelayMs?: number; timeoutMs?: number };
}

export async function importPullRequest(config: Config, o: PullRequestRunOptions): Promise<NewCustomersOutcome> {
  const now = o.now ?? new Date();
  const dir = repositoryDir(config, o.workspace);
  const source = o.usage ?? (await openUsageSource(config, { logger: o.logger }));
  const billing = await connectTarget(config, { logger: o.logger });
  const gh = new GitHubApi(o.repo, o.logger, o.githubOverrides);
  try {
    const existing = existingOf(config);
    // Usage only of the unbound: their user groups are the only ones read.
    const listed = await source.read({ only: [] });
    const isBound = boundBy(existing);
    const unbound = listed.customers.filter((c) => !isBound(c)).map((c) => c.id);
    const [mp, cwData] = await Promise.all([
      readCustomers(source, { usageFor: unbound, logger: o.logger, onProgress: o.onProgress }),
      readTarget(billing.target),
    ]);
    const { proposals, bound } = propose({
      customers: mp.customers,
      ...cwData,
      existing,
      agreementPattern: o.agreement,
      include: (c) => (c.users ?? 0) > 0,
    });
    const meta: RenderMeta = {
      source: `${source.label} and ${billing.label}`,
      command: commandLine(o, ' --pull-request'),
      bound,
      notes: mp.domainsNote ? [mp.domainsNote] : [],
    };
    return await upsertNewCustomersPullRequest(gh, {
      dir,
      date: isoSeconds(now).slice(0, 10),
      candidates: proposals.map((p) => p.customer.id),
      render: (ids) => {
        // One file of bindings at most; the rest wait for a later night.
        const chosen = proposals.filter((p) => ids.includes(p.customer.id)).slice(0, MAX_PER_FILE);
        const content = renderProposals(chosen, meta);
        checkRendered(content);
        return {
          customers: chosen.map((p) => p.customer.id).sort((a, b) => a - b),
          content,
          summary: renderSummary(chosen),
        };
      },
    });
  } finally {
    await Promise.all([billing.close(), source.close?.(), gh.close()]);
  }
}
