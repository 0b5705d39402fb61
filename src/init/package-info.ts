/**
 * Where this package lives on GitHub (its `repository.url`): the Action that `init`'s workflows
 * use and the docs they link. Read from the installed package, beside its version.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cwsyncVersion } from '../version.js';

export interface PackageInfo {
  version: string;
  /** owner/name on GitHub. */
  repository: string;
  /** The commit this package was packed from (dist/release.json), when it was a clean checkout. */
  commit: string | null;
}

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));
const RELEASE_JSON = fileURLToPath(new URL('../release.json', import.meta.url));

function packedCommit(): string | null {
  try {
    const { commit } = JSON.parse(readFileSync(RELEASE_JSON, 'utf8')) as { commit?: unknown };
    return typeof commit === 'string' && /^[0-9a-f]{40}$/.test(commit) ? commit : null;
  } catch {
    return null; // run from a source checkout, not a packed release
  }
}

export function packageInfo(): PackageInfo {
  const raw = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { repository?: { url?: unknown } | string };
  const url = typeof raw.repository === 'string' ? raw.repository : raw.repository?.url;
  const repository =
    typeof url === 'string' ? /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url)?.[1] : undefined;
  if (!repository) throw new Error(`${PACKAGE_JSON} has no GitHub repository.url; reinstall cwsync`);
  return { version: cwsyncVersion(), repository, commit: packedCommit() };
}
