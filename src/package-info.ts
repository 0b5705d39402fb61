/**
 * This package's own package.json: the version `--version` prints and `init` pins, and the
 * GitHub repository that holds the Action and the docs. Read from the installed package, so the
 * two can never disagree.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
  /** owner/name on GitHub, from `repository.url`. */
  repository: string;
}

const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const raw = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as {
    name?: unknown;
    version?: unknown;
    repository?: { url?: unknown } | string;
  };
  const url = typeof raw.repository === 'string' ? raw.repository : raw.repository?.url;
  const repository =
    typeof url === 'string' ? /github\.com[/:]([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url)?.[1] : undefined;
  if (typeof raw.name !== 'string' || typeof raw.version !== 'string' || !repository)
    throw new Error(`${PACKAGE_JSON} lacks name, version or a GitHub repository.url: the package is damaged`);
  cached = { name: raw.name, version: raw.version, repository };
  return cached;
}
