/**
 * Secrets are always references in the config. They are resolved only by commands that call
 * an API, and a missing one is reported by the variable's or file's name, never its value.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SecretRef } from './config/types.js';
import { CwsyncError } from './errors.js';

export function resolveSecret(ref: SecretRef, configDir: string, label: string): string {
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (!value)
      throw new CwsyncError(`${label} refers to the environment variable ${ref.env}, which is not set`, {
        hint: `set ${ref.env} (in GitHub Actions: a repository secret passed as env)`,
      });
    return value;
  }
  const path = resolve(configDir, ref.file);
  try {
    const value = readFileSync(path, 'utf8').trim();
    if (!value) throw new Error('empty');
    return value;
  } catch {
    throw new CwsyncError(`${label} refers to the file ${ref.file}, which is missing, unreadable or empty`, {
      hint: `create ${path} holding only the secret, outside git`,
    });
  }
}
