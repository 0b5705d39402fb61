/** plan --out writes the plan file's pieces through one reused buffer: the file is their text joined, byte for byte. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFilePieces } from '../../src/cli/output.js';

const dir = mkdtempSync(join(tmpdir(), 'cwsync-pieces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFilePieces', () => {
  const cases: Record<string, string[]> = {
    nothing: [],
    'small pieces': ['{', '\n  "a": ', '1', '\n}', '\n'],
    'multi-byte text, many pieces past the buffer': Array.from({ length: 40_000 }, (_, i) => `"é€😀 ${i}",\n`),
    'one piece larger than the buffer, between small ones': ['[', 'x'.repeat(300_000), 'ü'.repeat(90_000), ']'],
    'three-byte characters after a long ASCII piece': ['a'.repeat(80_000), '€'.repeat(80_000), 'z'],
    'pieces just under and over a third of the buffer': [
      'a'.repeat(87_381),
      'b'.repeat(87_382),
      '€'.repeat(87_381),
      '',
    ],
  };
  for (const [name, pieces] of Object.entries(cases))
    it(name, () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      writeFilePieces(path, pieces);
      expect(readFileSync(path).equals(Buffer.from(pieces.join('')))).toBe(true);
    });
});
