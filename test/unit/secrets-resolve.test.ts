/** Secrets are checked before use; errors name the reference, never the value. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveSecret, SecretError } from '../../src/secrets.js';
import { tempDir } from '../helpers/temp.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const VALUE = 'k3y-VALUE-29f1';

function withFile(content: string | Buffer): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'key'), content);
  return dir;
}

function failure(f: () => unknown): SecretError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretError);
    return err as SecretError;
  }
  throw new Error('expected the secret to be refused');
}

describe('resolveSecret from a file', () => {
  it.each([
    ['no newline', VALUE],
    ['one trailing newline', `${VALUE}\n`],
    ['one trailing CRLF', `${VALUE}\r\n`],
  ])('trims only the one trailing newline: %s', (_name, content) => {
    expect(resolveSecret({ file: 'key' }, withFile(content), 'connectwise.privateKey')).toBe(VALUE);
  });

  it.each([
    ['two trailing newlines', `${VALUE}\n\n`, 'holds a line break'],
    ['a lone CR at the end', `${VALUE}\r`, 'holds a line break'],
    ['a PEM-like block', `-----BEGIN-----\n${VALUE}\n-----END-----\n`, 'holds a line break'],
    ['a tab', `${VALUE}\tx`, 'holds a control character'],
    ['a trailing space', `${VALUE} \n`, 'starts or ends with a space'],
    ['nothing', '', 'is empty'],
  ])('refuses %s, naming the reference and not the value', (_name, content, reason) => {
    const err = failure(() => resolveSecret({ file: 'key' }, withFile(content), 'connectwise.privateKey'));
    expect(err.message.startsWith(`connectwise.privateKey from file key ${reason}`)).toBe(true);
    expect(`${err.message} ${err.hint}`).not.toContain(VALUE);
  });

  it('may live outside the config directory, through a link too (secret mounts)', () => {
    const root = tempDir();
    mkdirSync(join(root, 'cfg'));
    writeFileSync(join(root, 'mounted'), `${VALUE}\n`);
    symlinkSync('../mounted', join(root, 'cfg', 'key'));
    expect(resolveSecret({ file: 'key' }, join(root, 'cfg'), 'usage.mailprotector.apiKey')).toBe(VALUE);
    expect(resolveSecret({ file: join(root, 'mounted') }, join(root, 'cfg'), 'usage.mailprotector.apiKey')).toBe(VALUE);
  });
});

describe('resolveSecret from the environment', () => {
  it('returns a good value as is', () => {
    vi.stubEnv('CW_CLIENT_ID', VALUE);
    expect(resolveSecret({ env: 'CW_CLIENT_ID' }, tempDir(), 'connectwise.clientId')).toBe(VALUE);
  });

  it.each([
    ['unset', undefined, 'connectwise.clientId from env CW_CLIENT_ID is not set'],
    ['empty', '', 'connectwise.clientId from env CW_CLIENT_ID is empty'],
    [
      'a trailing newline (trimmed only for files)',
      `${VALUE}\n`,
      'connectwise.clientId from env CW_CLIENT_ID holds a line break; a secret is one line (a file may end with one newline, no more)',
    ],
    [
      'a header injection',
      `${VALUE}\r\nX-Evil: 1`,
      'connectwise.clientId from env CW_CLIENT_ID holds a line break; a secret is one line (a file may end with one newline, no more)',
    ],
    ['DEL', `${VALUE}\u007f`, 'connectwise.clientId from env CW_CLIENT_ID holds a control character'],
  ])('refuses %s', (_name, value, message) => {
    vi.stubEnv('CW_CLIENT_ID', value);
    const err = failure(() => resolveSecret({ env: 'CW_CLIENT_ID' }, tempDir(), 'connectwise.clientId'));
    expect(err.message).toBe(message);
    expect(err.hint).toContain('CW_CLIENT_ID');
    expect(`${err.message} ${err.hint}`).not.toContain(VALUE);
  });
});
