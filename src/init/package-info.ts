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
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));
const RELEASE_JSON = fileURLToPath(new URL('../release.json', import.meta.url));

const COMMIT = /^[0-9a-f]{40}$/;

function packedCommit(): string | null {
  try {
    const { commit } = JSON.parse(readFileSync(RELEASE_JSON, 'utf8')) as { commit?: unknown };
    return typeof commit === 'string' && COMMIT.test(commit) ? commit : null;
  } catch {
    return checkoutCommit(); // run from a source checkout, not a packed release
  }
}

/** HEAD of the git checkout this code runs from (a clone of the repository, `npm link`ed). */
function checkoutCommit(): string | null {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--verify', 'HEAD^{commit}'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return COMMIT.test(head) ? head : null;
  } catch {
    return null;
  }
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
  return { ...info, repository: m[1]!, commit: m[2]! };
}

export function packageInfo(): PackageInfo {
  const raw = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { repository?: { url?: unknown } | string };
  const url = typeof raw.repository === 'string' ? raw.repository : raw.repository?.url;
  const repository =
    typeof url === 'string' ? /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url)?.[1] : undefined;
  if (!repository) throw new Error(`${PACKAGE_JSON} has no GitHub repository.url; reinstall cwsync`);
  return { version: cwsyncVersion(), repository, commit: packedCommit() };
}
