/** Where human output goes besides stdout: files and the GitHub job summary. */
import {
  appendFileSync,
  closeSync,
  constants,
  fstatSync,
  openSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CwsyncError } from '../errors.js';

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

function outputError(flag: string, path: string, reason: string): CwsyncError {
  return new CwsyncError(`${flag} ${path}: ${reason}; nothing was done`, {
    hint: `pass ${flag} a file path in a directory that exists and that this user can write`,
  });
}

export function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOENT':
      return 'the directory does not exist';
    case 'EEXIST':
      return 'is a symbolic link to nothing';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return `cannot be written (${code ?? 'unknown error'})`;
  }
}

/**
 * Checks, before any work, that `path` can be written: not a directory, its directory exists,
 * and this process may write there (probed by opening, so it holds for root and read-only
 * mounts alike). A new file is created and removed again; an existing one is opened without
 * truncating. So a run can never do its writes and then fail to save the record of them.
 */
export function checkOutputPath(path: string, flag: string): void {
  if (!path) throw outputError(flag, '""', 'the path is empty');
  const abs = resolve(path);
  if (existingIsWritable(abs, path, flag)) return;
  const dir = dirname(abs);
  try {
    if (!statSync(dir).isDirectory()) throw outputError(flag, path, `${dir} is not a directory`);
  } catch (err) {
    if (err instanceof CwsyncError) throw err;
    throw outputError(flag, path, `the directory ${dir} does not exist`);
  }
  try {
    closeSync(openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644));
    unlinkSync(abs);
  } catch (err) {
    throw outputError(flag, path, reasonOf(err));
  }
}

/** True when `abs` exists and opens for writing (a file, or a pipe or device); false when it does not exist. */
function existingIsWritable(abs: string, path: string, flag: string): boolean {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: an existing named pipe with no reader fails (ENXIO) instead of blocking.
    fd = openSync(abs, constants.O_WRONLY | (constants.O_NONBLOCK ?? 0));
    if (fstatSync(fd).isDirectory()) throw outputError(flag, path, 'is a directory');
    return true;
  } catch (err) {
    if (err instanceof CwsyncError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') return true; // a pipe or device that exists: the user's choice
    if (code !== 'ENOENT') throw outputError(flag, path, reasonOf(err));
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes a file cwsync produces; `flag` names where the path came from, for the message. */
export function writeFile(path: string, content: string, flag = 'output file'): void {
  try {
    writeFileSync(path, content, { mode: 0o644 });
  } catch (err) {
    throw new CwsyncError(`${flag} ${path}: ${reasonOf(err)}`, {
      hint: `pass ${flag} a file path in a directory that exists and that this user can write`,
    });
  }
}

/** Like writeFile, for text given in pieces (renderJsonPieces): written in blocks, never held whole. */
export function writeFilePieces(path: string, pieces: Iterable<string>, flag = 'output file'): void {
  try {
    const fd = openSync(path, 'w', 0o644);
    try {
      // One buffer, filled piece by piece and written when the next piece may not fit: no
      // joined text and no new bytes per block (a UTF-8 character is at most 3 bytes per unit).
      const block = Buffer.allocUnsafe(1 << 18);
      let used = 0;
      const write = (bytes: Buffer, length: number) => {
        for (let at = 0; at < length; ) at += writeSync(fd, bytes, at, length - at);
      };
      for (const piece of pieces) {
        if (used + piece.length * 3 > block.length) {
          write(block, used);
          used = 0;
        }
        if (piece.length * 3 > block.length) {
          const bytes = Buffer.from(piece);
          write(bytes, bytes.length);
        } else used += block.write(piece, used);
      }
      write(block, used);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new CwsyncError(`${flag} ${path}: ${reasonOf(err)}`, {
      hint: `pass ${flag} a file path in a directory that exists and that this user can write`,
    });
  }
}

/**
 * Appends to $GITHUB_STEP_SUMMARY when it is set (GitHub Actions); renders only then. The job
 * summary is a courtesy: failing to write it warns and never fails a run after its writes.
 */
export function appendJobSummary(render: () => string): void {
  const path = process.env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  try {
    appendFileSync(path, `${render()}\n`);
  } catch (err) {
    process.stderr.write(`warning: could not write the job summary to ${path}: ${reasonOf(err)}\n`);
  }
}
