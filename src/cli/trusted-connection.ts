/**
 * A pull request never reaches a key (SPEC §7): before any request, `plan` compares the
 * connection it is about to use with the one at the pull request's base commit (a
 * `pull_request` or `pull_request_target` event, from GITHUB_EVENT_PATH) or at `--base REF`,
 * and refuses (exit 3) when they differ. Fails closed: a pull-request event whose base cannot
 * be found or read is refused too, never planned on trust.
 */
import { tuningKeys } from '../adapters/registry.js';
import { connectionChanges } from '../config/connection.js';
import { readJsonFile } from '../config/safe-file.js';
import type { Config } from '../config/types.js';
import { RefusedError } from '../errors.js';
import { readBaseCwsyncYaml } from '../git/base-config.js';
import { escapeText } from '../text-hygiene.js';

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

interface Base {
  ref: string;
  /** How the base is named in messages. */
  label: string;
}

/** Whether this is a GitHub Actions run for a pull request (`pull_request` or `pull_request_target`). */
function isPullRequestRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return PULL_REQUEST_EVENTS.has(env.GITHUB_EVENT_NAME ?? '');
}

/**
 * A pull request's plan never reads Mailprotector: its key acts with the reseller's full rights,
 * so no pull-request job holds it (SPEC §7). Usage comes from the nightly's snapshot (or usage.file).
 */
export function refuseLiveUsageInPullRequest(config: Config, usageSnapshot: string | undefined): void {
  if (!isPullRequestRun() || usageSnapshot || !config.usage.mailprotector) return;
  throw new RefusedError("a pull request's plan never reads Mailprotector: no pull-request job holds its key", {
    hint: "pass the nightly's usage snapshot with --usage-snapshot FILE",
  });
}

/** The base commit of the pull request this run is for; undefined outside a pull-request event. */
function pullRequestBase(env: NodeJS.ProcessEnv): Base | undefined {
  const name = env.GITHUB_EVENT_NAME;
  if (!name || !PULL_REQUEST_EVENTS.has(name)) return undefined;
  const refuse = (why: string) =>
    new RefusedError(`this is a ${name} run, but ${why}, so the connection cannot be compared with the base`, {
      hint: 'run plan from the pull-request workflow as GitHub starts it (GITHUB_EVENT_PATH holds the event)',
    });
  if (!env.GITHUB_EVENT_PATH) throw refuse('GITHUB_EVENT_PATH is not set');
  let event: unknown;
  try {
    event = readJsonFile(env.GITHUB_EVENT_PATH, { maxBytes: MAX_EVENT_BYTES, display: 'GITHUB_EVENT_PATH' });
  } catch (err) {
    throw refuse(`the event file cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  const { sha, ref } = (event as PullRequestEvent | null)?.pull_request?.base ?? {};
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
    throw refuse('the event holds no pull_request.base.sha');
  refuseOtherBaseBranch(event as PullRequestEvent, ref);
  return { ref: sha, label: `the pull request's base commit ${sha.slice(0, 12)}` };
}

interface PullRequestEvent {
  pull_request?: { base?: { sha?: unknown; ref?: unknown } };
  repository?: { default_branch?: unknown };
}

/**
 * The connection is trusted only as it stands on the default branch (SPEC §7): a pull request
 * into another branch (one its author may have pushed, with a connection of their own) is compared
 * with nothing anyone reviewed, so it is refused, never planned.
 */
function refuseOtherBaseBranch(event: PullRequestEvent, ref: unknown): void {
  const defaultBranch = event.repository?.default_branch;
  if (typeof defaultBranch !== 'string' || defaultBranch === '' || typeof ref !== 'string')
    throw new RefusedError(
      'this pull-request event names no base branch or no default branch, so its base cannot be trusted',
      { hint: 'run plan from the pull-request workflow as GitHub starts it (GITHUB_EVENT_PATH holds the event)' },
    );
  if (ref === defaultBranch) return;
  throw new RefusedError(
    `this pull request is into ${escapeText(JSON.stringify(ref))}, not the default branch ${escapeText(JSON.stringify(defaultBranch))}: the connection is trusted only as it stands on the default branch`,
    {
      details: 'No request was sent. A branch other than the default one holds a connection nobody has to review.',
      hint: `open the pull request against ${escapeText(defaultBranch)} to get a plan`,
    },
  );
}

/** The bases this run must match: the pull request's (in a pull-request event) and --base. */
export function basesToCompare(base: string | undefined, env: NodeJS.ProcessEnv = process.env): Base[] {
  const bases: Base[] = [];
  const pr = pullRequestBase(env);
  if (pr) bases.push(pr);
  if (base !== undefined) bases.push({ ref: base, label: `--base ${base}` });
  return bases;
}

const AFTER_MERGE =
  'Connection changes take effect after review and merge: until then no plan uses them, and no request was sent.';

/**
 * Refuses (exit 3) when the connection of `config` differs from the one at any of `bases`.
 * Must run before anything resolves a secret or opens a connection.
 */
export async function checkTrustedConnection(config: Config, bases: Base[]): Promise<void> {
  // Every section of cwsync.yaml but policy: the billing system's (its adapter's key) and usage.
  const { dir: _dir, policy: _policy, services: _services, bundles: _bundles, customers: _customers, ...head } = config;
  for (const base of bases) {
    const { data } = await readBaseCwsyncYaml(config.dir, base.ref, base.label);
    if (data === undefined)
      throw new RefusedError(`${base.label} has no cwsync.yaml in this config directory: the connection is new`, {
        details: AFTER_MERGE,
        hint: 'merge the config after review; pull requests made after that get plans',
      });
    const changed = connectionChanges(data, head, tuningKeys());
    if (changed.length === 0) continue;
    throw new RefusedError(`the connection differs from ${base.label}: ${changed.join(', ')} changed`, {
      details: [...changed.map((k) => `  - ${k}`), AFTER_MERGE].join('\n'),
      hint: 'review and merge the connection change on its own (bindings, services and policy can change in a pull request and get a plan)',
    });
  }
}

/**
 * Every command that resolves a secret or opens a connection calls this first: in a
 * pull-request run its connection must be the base commit's, whatever the command
 * (a workflow edited in the pull request may run any of them). Outside one it does nothing.
 */
export async function checkPullRequestConnection(config: Config): Promise<void> {
  await checkTrustedConnection(config, basesToCompare(undefined));
}
