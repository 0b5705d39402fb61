/**
 * cwsync's version, read from its package.json: the one source, so a release bumps one line.
 * Found relative to this module, which sits one level below the package root both in src/
 * and in dist/, however and wherever the package is installed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));

export function cwsyncVersion(): string {
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown }).version;
  } catch (err) {
    throw new Error(`cannot read cwsync's version from ${PACKAGE_JSON} (${String(err)}); reinstall cwsync`);
  }
  if (typeof version !== 'string') throw new Error(`${PACKAGE_JSON} has no "version" string; reinstall cwsync`);
  return version;
}
