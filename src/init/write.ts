/**
 * Writes the scaffold without ever replacing anything: each file is created exclusively (a file,
 * a directory or a symlink already at that path, even a dangling one, is left alone and reported
 * as skipped), so running init twice, or into a repository that has a README, is safe.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CwsyncError } from '../errors.js';
import type { ScaffoldFile } from './scaffold.js';

export interface WriteResult {
  written: string[];
  /** Paths that already existed, left untouched. */
  skipped: string[];
}

function ensureDirectory(path: string, shown: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CwsyncError(`cannot create the directory ${shown}: ${code}`, {
      hint: code === 'EEXIST' || code === 'ENOTDIR' ? `a file is in the way of ${shown}: move it` : undefined,
    });
  }
  if (!statSync(path).isDirectory()) throw new CwsyncError(`${shown} is not a directory`);
}

export function writeScaffold(dir: string, files: ScaffoldFile[]): WriteResult {
  ensureDirectory(dir, dir);
  const result: WriteResult = { written: [], skipped: [] };
  for (const file of files) {
    const target = join(dir, file.path);
    ensureDirectory(dirname(target), join(dir, dirname(file.path)));
    try {
      writeFileSync(target, file.content, { flag: 'wx', mode: 0o644 });
      result.written.push(file.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        result.skipped.push(file.path);
        continue;
      }
      throw new CwsyncError(`cannot write ${target}: ${code ?? String(err)}`, {
        hint: 'check that the directory is writable',
      });
    }
  }
  return result;
}
