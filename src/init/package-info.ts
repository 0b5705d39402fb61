/**
 * Where this package lives on GitHub (its `repository.url`): the Action that `init`'s workflows
 * use and the docs they link. Read from the installed package, beside its version.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CwsyncError } from '../errors.js';
import { cwsyncVersion } from '../version.js';

export interface PackageInfo {
  version: string;
  /** owner/name on GitHub. */
  repository: string;
  /**
   * The commit the Action is pinned to: the one this package was packed from (dist/release.json),
   * else the HEAD of the git checkout it runs from; null when neither is known.
   */
  commit: string | null;
  /**
   * Run from a git checkout: whether a remote branch holds that commit. The workflows fetch the
   * Action from GitHub, so a commit only in the clone is not there to run yet.
   */
  pushed?: boolean;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));
const RELEASE_JSON = fileURLToPath(new URL('../release.json', import.meta.url));

const COMMIT = /^[0-9a-f]{40}$/;
const GITHUB_REPO = /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/;

function packedCommit(): string | null {
  try {
    const { commit } = JSON.parse(readFileSync(RELEASE_JSON, 'utf8')) as { commit?: unknown };
    return typeof commit === 'string' && COMMIT.test(commit) ? commit : null;
  } catch {
    return null;
  }
}

/**
 * A git checkout of cwsync (a clone, `npm link`ed): its HEAD, the GitHub repository its origin
 * names (a fork's clone pins the fork, not the repository package.json names), and whether any
 * remote branch holds HEAD. Undefined outside a checkout.
 */
export function checkoutInfo(root: string): { commit: string; repository?: string; pushed: boolean } | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const attempt = (...args: string[]) => {
    try {
      return git(...args);
    } catch {
      return '';
    }
  };
  const commit = attempt('rev-parse', '--verify', 'HEAD^{commit}');
  if (!COMMIT.test(commit)) return undefined;
  const repository = GITHUB_REPO.exec(attempt('remote', 'get-url', 'origin'))?.[1];
  const pushed = attempt('branch', '--remotes', '--contains', commit) !== '';
  return { commit, ...(repository ? { repository } : {}), pushed };
}

/**
 * `init --action owner/repo@<commit>`: the Action of a fork (or any copy) of this repository,
 * pinned by a full commit SHA; a tag or branch would let whoever moves it change what runs.
 */
export function actionOverride(info: PackageInfo, action: string): PackageInfo {
  const m = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40})$/.exec(action.trim());
  if (!m)
    throw new CwsyncError(`--action must be owner/repo@<40-character commit SHA>, not "${action}"`, {
      hint: 'the commit of your fork that the workflows should run, e.g. --action my-msp/cwsync@$(git rev-parse HEAD)',
    });
  return { version: info.version, repository: m[1]!, commit: m[2]! }; // a commit the user names: pushed, we take it
}

export function packageInfo(): PackageInfo {
  const raw = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { repository?: { url?: unknown } | string };
  const url = typeof raw.repository === 'string' ? raw.repository : raw.repository?.url;
  const repository = typeof url === 'string' ? GITHUB_REPO.exec(url)?.[1] : undefined;
  if (!repository) throw new Error(`${PACKAGE_JSON} has no GitHub repository.url; reinstall cwsync`);
  const packed = packedCommit();
  if (packed) return { version: cwsyncVersion(), repository, commit: packed };
  const checkout = checkoutInfo(ROOT); // run from a source checkout, not a packed release
  if (!checkout) return { version: cwsyncVersion(), repository, commit: null };
  return {
    version: cwsyncVersion(),
    repository: checkout.repository ?? repository,
    commit: checkout.commit,
    pushed: checkout.pushed,
  };
}
