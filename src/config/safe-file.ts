/**
 * The one way cwsync reads a file: config YAML, customers/*.yaml, usage.file, `{ file: }`
 * secrets, and the files named on the command line (`--plan`, `--usage-snapshot`).
 *
 * Any of them may be a named pipe (a read would block for ever), a device (`/dev/zero` never
 * ends), a directory, a socket, huge, or a symbolic link that leads out of the config directory
 * (a pull request can add one pointing at a file on the runner). So: the path is resolved and,
 * when `within` is given, must stay inside that directory; anything but a regular file is
 * refused before it is opened, and checked again on the opened descriptor (opened with
 * O_NONBLOCK, so a pipe swapped in meanwhile cannot block); the size is counted while reading,
 * and reading stops at the cap, since `stat` alone lies for /proc files and growing files.
 *
 * Errors name the file and what is wrong with it, never a byte of its content.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CwsyncError } from '../errors.js';

export interface SafeReadOptions {
  /** The most bytes the file may hold; reading stops as soon as it holds more. */
  maxBytes: number;
  /** The file must resolve inside this directory once symbolic links are followed. */
  within?: string;
  /** How the file is named in messages, e.g. `config/usage.json` or `--plan plan.json`. */
  display?: string;
}

/** A file cwsync refused to read, or could not; `reason` reads after the file's name. */
export class UnsafeFileError extends CwsyncError {
  constructor(
    readonly display: string,
    readonly reason: string,
    hint?: string,
  ) {
    super(`${display} ${reason}`, hint ? { hint } : {});
  }
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const CHUNK = 64 * 1024;

function describeKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function notRegular(display: string, st: Stats): UnsafeFileError {
  const kind = describeKind(st);
  return new UnsafeFileError(
    display,
    kind === 'a directory' ? 'is a directory, not a file' : `is ${kind}, not a regular file`,
    'cwsync reads only regular files; put a regular file at this path',
  );
}

function osReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'ENOTDIR':
      return 'does not exist (a part of the path is not a directory)';
    case 'ELOOP':
      return 'is a loop of symbolic links';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable (permission denied)';
    case 'ENXIO':
      return 'is a socket or device, not a regular file';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENAMETOOLONG':
      return 'has a path that is too long';
    default:
      return `cannot be read (${code ?? 'unknown error'})`;
  }
}

/** True when `path` is `root` itself or below it; both already resolved. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Resolves `path` and checks, without opening it, that it is a regular file (inside `within`
 * when given). Returns the real path. Used to report a bad path early, at the config line
 * that names it; reading checks everything again.
 */
export function checkReadablePath(path: string, options: Omit<SafeReadOptions, 'maxBytes'> = {}): string {
  const display = options.display ?? path;
  let real: string;
  try {
    real = realpathSync(resolve(path));
  } catch (err) {
    throw new UnsafeFileError(display, osReason(err));
  }
  if (options.within !== undefined) {
    let root: string;
    try {
      root = realpathSync(resolve(options.within));
    } catch (err) {
      throw new UnsafeFileError(options.within, osReason(err));
    }
    if (!isInside(root, real))
      throw new UnsafeFileError(
        display,
        'leads outside the config directory',
        'files the config names must stay inside the config directory, symbolic links included',
      );
  }
  const st = lstatSync(real);
  if (!st.isFile()) throw notRegular(display, st);
  return real;
}

/** Reads a whole file as bytes, refusing anything but a regular file of at most `maxBytes`. */
export function readFileSafely(path: string, options: SafeReadOptions): Buffer {
  const display = options.display ?? path;
  const real = checkReadablePath(path, options);
  let fd: number;
  try {
    fd = openSync(real, OPEN_FLAGS | (options.within !== undefined ? (constants.O_NOFOLLOW ?? 0) : 0));
  } catch (err) {
    throw new UnsafeFileError(display, osReason(err));
  }
  try {
    // Checked again on what was opened: the path may have been swapped since.
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(display, st);
    const tooBig = (what: string) =>
      new UnsafeFileError(display, `${what}; the limit is ${options.maxBytes}`, 'point cwsync at a smaller file');
    if (st.size > options.maxBytes) throw tooBig(`is ${st.size} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK, null);
      } catch (err) {
        throw new UnsafeFileError(display, osReason(err));
      }
      if (n === 0) break;
      total += n;
      if (total > options.maxBytes) throw tooBig(`holds more than ${options.maxBytes} bytes`);
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Where a text file stops being text: a NUL byte or the first byte that is not UTF-8. */
export interface NotText {
  /** Byte offset of the offending byte. */
  offset: number;
  kind: 'nul' | 'utf8';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 (a leading BOM is dropped), or says where the bytes stop being text. */
export function decodeText(bytes: Buffer): { text: string } | { notText: NotText } {
  const nul = bytes.indexOf(0);
  try {
    const text = decoder.decode(bytes);
    if (nul < 0) return { text };
  } catch {
    // Fall through: find the first bad byte for the message.
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined && (nul < 0 || bad < nul)) return { notText: { offset: bad, kind: 'utf8' } };
  return { notText: { offset: nul, kind: 'nul' } };
}

/** How many continuation bytes a lead byte announces; 0 for a byte that cannot lead a sequence. */
function continuationCount(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 1;
  if (lead >= 0xe0 && lead <= 0xef) return 2;
  if (lead >= 0xf0 && lead <= 0xf4) return 3;
  return 0;
}

/** The code point of the sequence at `i` with `n` continuation bytes, or undefined when one is missing or wrong. */
function codePointAt(b: Uint8Array, i: number, n: number): number | undefined {
  let cp = b[i]! & (0x3f >> n);
  for (let k = 1; k <= n; k++) {
    const d = b[i + k];
    if (d === undefined || (d & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (d & 0x3f);
  }
  return cp;
}

/** The smallest code point each length may carry (anything less is an overlong encoding). */
const MIN_CODE_POINT = [0, 0x80, 0x800, 0x10000];

const isScalarValue = (cp: number, n: number) =>
  cp >= MIN_CODE_POINT[n]! && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);

/** The offset of the first byte that does not start a valid UTF-8 sequence, if any. */
export function firstInvalidUtf8(b: Uint8Array): number | undefined {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = continuationCount(c);
    const cp = n === 0 ? undefined : codePointAt(b, i, n);
    if (cp === undefined || !isScalarValue(cp, n)) return i;
    i += n + 1;
  }
  return undefined;
}

/** Line and column (1-based, columns in characters) of a byte offset in valid UTF-8 text before it. */
export function positionOfByte(bytes: Buffer, offset: number): { line: number; col: number } {
  const before = bytes
    .subarray(0, offset)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const lastNewline = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, col: before.length - lastNewline };
}

/** What to tell a user whose file is not text. */
export function notTextMessage(bytes: Buffer, bad: NotText): { message: string; hint: string } {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16) return { message: 'is UTF-16 text, not UTF-8', hint: 'save the file as UTF-8' };
  if (bad.kind === 'nul')
    return { message: 'holds a NUL byte: this is not a text file', hint: 'point cwsync at a YAML or JSON text file' };
  return { message: 'holds a byte that is not UTF-8 text', hint: 'save the file as UTF-8' };
}

/**
 * Reads and parses a JSON file named on the command line (`--plan`, `--usage-snapshot`). A
 * syntax error gives its position, never the text around it (Node's own message quotes it).
 */
export function readJsonFile(path: string, options: SafeReadOptions): unknown {
  const display = options.display ?? path;
  const bytes = readFileSafely(path, options);
  const decoded = decodeText(bytes);
  if ('notText' in decoded) {
    const { line, col } = positionOfByte(bytes, decoded.notText.offset);
    const { message, hint } = notTextMessage(bytes, decoded.notText);
    throw new UnsafeFileError(display, `${message} (line ${line}, column ${col})`, hint);
  }
  try {
    return JSON.parse(decoded.text);
  } catch (err) {
    const at = /position (\d+)/.exec(err instanceof Error ? err.message : '');
    let where = '';
    if (at) {
      const before = decoded.text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
    }
    throw new UnsafeFileError(display, `is not valid JSON${where}`);
  }
}
