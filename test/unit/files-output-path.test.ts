/** Output paths are checked before any work, so a run never fails to save its record after its writes. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendJobSummary, checkOutputPath, writeFile } from '../../src/cli/output.js';
import { CwsyncError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function refusal(path: string, flag: string): string {
  try {
    checkOutputPath(path, flag);
  } catch (err) {
    expect(err).toBeInstanceOf(CwsyncError);
    return (err as Error).message;
  }
  throw new Error('expected the path to be refused');
}

describe('checkOutputPath', () => {
  it('accepts a new file and leaves nothing behind', () => {
    const path = join(tempDir(), 'report.json');
    checkOutputPath(path, '--report');
    expect(existsSync(path)).toBe(false);
  });

  it('accepts an existing file and leaves it as it was', () => {
    const path = join(tempDir(), 'plan.json');
    writeFileSync(path, 'before');
    checkOutputPath(path, '--out');
    expect(readFileSync(path, 'utf8')).toBe('before');
  });

  it('refuses a directory', () => {
    const dir = tempDir();
    expect(refusal(dir, '--report')).toBe(`--report ${dir}: is a directory; nothing was done`);
  });

  it('refuses a path whose directory does not exist', () => {
    const dir = tempDir();
    const path = join(dir, 'missing', 'plan.json');
    expect(refusal(path, '--out')).toBe(
      `--out ${path}: the directory ${join(dir, 'missing')} does not exist; nothing was done`,
    );
  });

  it('refuses a path under a file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    const path = join(dir, 'file', 'plan.json');
    expect(refusal(path, '--out')).toBe(`--out ${path}: a part of the path is not a directory; nothing was done`);
  });

  it('refuses an empty path', () => {
    expect(refusal('', '--out')).toBe('--out "": the path is empty; nothing was done');
  });
});

describe('writing outputs', () => {
  it('turns a failed write into an error naming the flag, not an internal error', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    let message = '';
    try {
      writeFile(join(dir, 'sub'), '{}', '--report');
    } catch (err) {
      expect(err).toBeInstanceOf(CwsyncError);
      message = (err as Error).message;
    }
    expect(message).toBe(`--report ${join(dir, 'sub')}: is a directory`);
  });

  it('warns instead of failing when the job summary cannot be written', () => {
    const dir = tempDir();
    vi.stubEnv('GITHUB_STEP_SUMMARY', dir);
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    appendJobSummary(() => '# summary');
    expect(stderr).toBe(`warning: could not write the job summary to ${dir}: is a directory\n`);
  });
});
