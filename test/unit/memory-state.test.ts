/** The in-memory billing system's state file, read checked: one it cannot understand is refused, never read as "nothing billed". */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotUnderstood } from '../../src/errors.js';
import { loadState } from '../../src/memory/state.js';
import { tempDir } from '../helpers/temp.js';

const EMPTY = { companies: [], agreements: [], products: [], lines: [] };

function stateFile(content: unknown): string {
  const path = join(tempDir('cwsync-memory-'), 'billing.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('loadState', () => {
  it('reads a state of four lists', () => {
    expect(loadState(stateFile(EMPTY), 'billing.json')).toEqual(EMPTY);
  });

  it.each<[string, unknown, string]>([
    ['without its lines', { ...EMPTY, lines: undefined }, 'JSON whose lines is not a list of those'],
    [
      'with a line without quantity and a company without name',
      { ...EMPTY, companies: [{ id: 1, identifier: 'C' }], lines: [{ id: 1, agreementId: 2, productId: 3 }] },
      'JSON whose companies, lines are not lists of those',
    ],
    ['a list, not an object', [], 'JSON that is not an object'],
  ])('refuses a state %s: NotUnderstood, naming the file and the lists', (_name, content, got) => {
    const err = (() => {
      try {
        return loadState(stateFile(content), 'billing.json');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NotUnderstood);
    expect((err as Error).message).toBe(
      `cwsync does not understand the in-memory billing system's state billing.json: expected companies (id, identifier, name), agreements (id, name, companyId), products (id, identifier) and lines (id, agreementId, productId, quantity); got ${got}`,
    );
    expect((err as NotUnderstood).hint).toContain('memory.state');
  });

  it('a state file that is not JSON: named, never quoted (JSON.parse quotes its first characters)', () => {
    const path = join(tempDir('cwsync-memory-'), 'billing.json');
    writeFileSync(path, 'token_sk_live_51Habcdef and more text\n');
    const err = (() => {
      try {
        return loadState(path, 'billing.json');
      } catch (e) {
        return e;
      }
    })();
    expect((err as Error).message).toBe(
      "the in-memory billing system's state billing.json cannot be read: it is not JSON",
    );
  });
});
