/**
 * Secrets are always references in the config. They are resolved only by commands that call
 * an API, and checked before any of them can reach a header: a value holding a line break or
 * another control character would be refused (or quoted) by the HTTP layer, and with
 * `{ file: }` that can be a whole file. Every error names the reference
 * (`connectwise.clientId from env CW_CLIENT_ID`), never the value.
 */
import { resolve } from 'node:path';
import { decodeText, readFileSafely, UnsafeFileError } from './config/safe-file.js';
import type { SecretRef } from './config/types.js';
import { CwsyncError } from './errors.js';

/** A secret file is a key, not a document. */
const MAX_SECRET_BYTES = 64 * 1024;

/** A secret that cannot be used; `reason` is short, for `cwsync doctor`'s check lines. */
export class SecretError extends CwsyncError {
  constructor(
    readonly reference: string,
    readonly reason: string,
    hint: string,
  ) {
    super(`${reference} ${reason}`, { hint });
  }
}

/** `connectwise.clientId from env CW_CLIENT_ID`, `usage.mailprotector.apiKey from file mp.key`. */
function describeSecretRef(label: string, ref: SecretRef): string {
  return 'env' in ref ? `${label} from env ${ref.env}` : `${label} from file ${ref.file}`;
}

export function resolveSecret(ref: SecretRef, configDir: string, label: string): string {
  const reference = describeSecretRef(label, ref);
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (!value)
      throw new SecretError(
        reference,
        value === undefined ? 'is not set' : 'is empty',
        `set ${ref.env} (in GitHub Actions: a secret the workflow step passes as env; docs/setup.md lists where each lives)`,
      );
    return checkValue(reference, value, `check how ${ref.env} is set`);
  }
  const path = resolve(configDir, ref.file);
  const fileHint = `write ${path} holding only the secret (one line), outside git`;
  let bytes: Buffer;
  try {
    // A secret file may live anywhere (secret mounts), so no `within`.
    bytes = readFileSafely(path, { maxBytes: MAX_SECRET_BYTES, display: ref.file });
  } catch (err) {
    if (err instanceof UnsafeFileError) throw new SecretError(reference, err.reason, fileHint);
    throw err;
  }
  const decoded = decodeText(bytes);
  if ('notText' in decoded) throw new SecretError(reference, 'is not text (UTF-8)', fileHint);
  // Editors and `echo` end a file with one newline; only that one is not part of the secret.
  const value = decoded.text.replace(/\r?\n$/, '');
  if (!value) throw new SecretError(reference, 'is empty', fileHint);
  return checkValue(reference, value, fileHint);
}

/** Refuses what a header cannot carry faithfully. Says what is wrong, never where or what it is. */
function checkValue(reference: string, value: string, hint: string): string {
  if (/[\r\n]/.test(value))
    throw new SecretError(
      reference,
      'holds a line break; a secret is one line (a file may end with one newline, no more)',
      hint,
    );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) throw new SecretError(reference, 'holds a control character', hint);
  if (/[^\u0020-\u007e]/.test(value))
    throw new SecretError(
      reference,
      'holds a character that is not plain ASCII (API keys are; check the copy for a no-break space or a typographic quote)',
      hint,
    );
  if (value.trim() !== value) throw new SecretError(reference, 'starts or ends with a space', hint);
  return value;
}
