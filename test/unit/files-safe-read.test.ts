/** The one file reader: what it refuses, and that it refuses before reading or blocking. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  checkReadablePath,
  firstInvalidUtf8,
  isInside,
  readFileSafely,
  readJsonFile,
  UnsafeFileError,
} from '../../src/config/safe-file.js';
import { tempDir } from '../helpers/temp.js';

vi.setConfig({ testTimeout: 5_000 });

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UnsafeFileError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('readFileSafely', () => {
  it('reads a regular file whole', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'x'.repeat(200_000));
    expect(readFileSafely(join(dir, 'a.txt'), { maxBytes: 200_000 }).length).toBe(200_000);
  });

  it('counts the size while reading: a /proc file says 0 bytes and holds more', () => {
    if (!existsSync('/proc/self/status')) return; // Linux only
    expect(readFileSync('/proc/self/status').length).toBeGreaterThan(64);
    expect(refusal(() => readFileSafely('/proc/self/status', { maxBytes: 64, display: 'status' }))).toBe(
      'status holds more than 64 bytes; the limit is 64',
    );
  });

  it('refuses a named pipe without blocking, even with no writer', () => {
    const fifo = join(tempDir(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(() => readFileSafely(fifo, { maxBytes: 10, display: 'pipe' }))).toBe(
      'pipe is a named pipe, not a regular file',
    );
  });

  it('refuses devices and directories by kind', () => {
    expect(refusal(() => readFileSafely('/dev/zero', { maxBytes: 10 }))).toBe(
      '/dev/zero is a character device, not a regular file',
    );
    expect(refusal(() => readFileSafely(tempDir(), { maxBytes: 10, display: 'd' }))).toBe(
      'd is a directory, not a file',
    );
  });

  it('keeps files inside `within`, following links, and lets a link stay inside', () => {
    const root = tempDir();
    const cfg = join(root, 'cfg');
    mkdirSync(join(cfg, 'sub'), { recursive: true });
    writeFileSync(join(root, 'outside.txt'), 'secret');
    writeFileSync(join(cfg, 'sub', 'inside.txt'), 'fine');
    symlinkSync('../outside.txt', join(cfg, 'out.txt'));
    symlinkSync('sub/inside.txt', join(cfg, 'in.txt'));
    expect(refusal(() => readFileSafely(join(cfg, 'out.txt'), { maxBytes: 10, within: cfg, display: 'o' }))).toBe(
      'o leads outside the config directory',
    );
    expect(readFileSafely(join(cfg, 'in.txt'), { maxBytes: 10, within: cfg }).toString()).toBe('fine');
    // Without `within` (a secret mount, a file named on the command line) the link is followed.
    expect(readFileSafely(join(cfg, 'out.txt'), { maxBytes: 10 }).toString()).toBe('secret');
  });

  it('checks a path without opening it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), 'x');
    expect(checkReadablePath(join(dir, 'f'), { within: dir })).toBe(join(dir, 'f'));
    expect(refusal(() => checkReadablePath(join(dir, 'nope'), { display: 'nope' }))).toBe('nope does not exist');
  });
});

describe('isInside', () => {
  it('tells a sibling named ..x from a parent', () => {
    expect(isInside('/a/cfg', '/a/cfg/..x')).toBe(true);
    expect(isInside('/a/cfg', '/a/cfg/x/y')).toBe(true);
    expect(isInside('/a/cfg', '/a/cfgx')).toBe(false);
    expect(isInside('/a/cfg', '/a')).toBe(false);
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['plain ASCII', [0x61, 0x62], undefined],
    ['a two-byte letter', [0x61, 0xc3, 0xa9], undefined],
    ['an emoji', [0xf0, 0x9f, 0x98, 0x80], undefined],
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['an overlong encoding', [0xc0, 0xaf], 0],
    ['a cut-off sequence', [0x61, 0xe2, 0x82], 1],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 0],
    ['Latin-1 é', [0x63, 0x61, 0x66, 0xe9], 3],
  ])('%s', (_name, bytes, expected) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(expected);
  });
});

describe('readJsonFile', () => {
  it('names the position of a syntax error and never quotes the file', () => {
    const path = join(tempDir(), 'plan.json');
    writeFileSync(path, '{\n  "formatVersion": 1,\n  "token": "LEAKME-4411" oops\n}\n');
    const message = refusal(() => readJsonFile(path, { maxBytes: 1000, display: '--plan plan.json' }));
    expect(message).toMatch(/^--plan plan\.json is not valid JSON( at line 3, column \d+)?$/);
    expect(message).not.toContain('LEAKME');
  });

  it('refuses a file that is not text, with its position', () => {
    const path = join(tempDir(), 'snap.json');
    writeFileSync(path, Buffer.from('{"a":\n "b\0"}'));
    expect(refusal(() => readJsonFile(path, { maxBytes: 1000, display: 'snap.json' }))).toBe(
      'snap.json holds a NUL byte: this is not a text file (line 2, column 4)',
    );
  });

  it('parses a good file', () => {
    const path = join(tempDir(), 'ok.json');
    writeFileSync(path, '{"formatVersion":1}');
    expect(readJsonFile(path, { maxBytes: 100 })).toEqual({ formatVersion: 1 });
  });
});
