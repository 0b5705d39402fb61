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
}

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

export function packageInfo(): PackageInfo {
  const raw = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { repository?: { url?: unknown } | string };
  const url = typeof raw.repository === 'string' ? raw.repository : raw.repository?.url;
  const repository =
    typeof url === 'string' ? /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url)?.[1] : undefined;
  if (!repository) throw new Error(`${PACKAGE_JSON} has no GitHub repository.url; reinstall cwsync`);
  return { version: cwsyncVersion(), repository };
}
