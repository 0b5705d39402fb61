/** Text hygiene: hidden and control characters shown escaped; look-alike names flagged. */
import { describe, expect, it } from 'vitest';
import { escapeDeep, escapeJsonText, escapeText, identityKey, lookAlike, shownLines } from '../../src/text-hygiene.js';

describe('escapeText', () => {
  it('shows a bidi override, an ESC and a zero-width space as \\uXXXX, and leaves other text alone', () => {
    expect(escapeText('Contoso\u202Eexe.pdf')).toBe('Contoso\\u202Eexe.pdf');
    expect(escapeText('\u001b[2Jcleared')).toBe('\\u001B[2Jcleared');
    expect(escapeText('Fab\u200Brikam')).toBe('Fab\\u200Brikam');
    expect(escapeText('line\nbreak')).toBe('line\\u000Abreak');
    expect(escapeText('Café Müller & Söhne — 東京')).toBe('Café Müller & Söhne — 東京');
  });

  it('escapes every string of a plan-like value, keys and numbers untouched', () => {
    expect(escapeDeep({ a: ['x\u202E'], n: 5, m: null, o: { b: '\u0007' } })).toEqual({
      a: ['x\\u202E'],
      n: 5,
      m: null,
      o: { b: '\\u0007' },
    });
  });

  it('copies only the parts with a string to escape, shares the rest, and never changes its input', () => {
    const plain = { company: { identifier: 'CONTOSO' }, product: { id: 7 } };
    const hidden = { company: { identifier: 'FAB\u202ERIKAM' }, product: { id: 8 } };
    const input = { actions: [plain, hidden], note: 'ok' };
    const shown = escapeDeep(input);
    expect(shown).not.toBe(input);
    expect(shown.actions[0]).toBe(plain);
    expect(shown.actions[1]).not.toBe(hidden);
    expect(shown.actions[1]!.product).toBe(hidden.product);
    expect(shown.actions[1]!.company.identifier).toBe('FAB\\u202ERIKAM');
    expect(hidden.company.identifier).toBe('FAB\u202ERIKAM');
    const clean = { actions: [plain], list: [1, 'a'] };
    expect(escapeDeep(clean)).toBe(clean);
  });

  it('writes JSON whose hidden characters are JSON escapes: the same data when parsed', () => {
    const json = escapeJsonText(JSON.stringify({ name: 'A\u202EB\u0085' }));
    expect(json).toBe('{"name":"A\\u202eB\\u0085"}');
    expect(JSON.parse(json)).toEqual({ name: 'A\u202EB\u0085' });
  });
});

describe('shownLines', () => {
  it('starts no workflow command on any line: a leading :: or ##[ shows its first character escaped', () => {
    const text =
      'unknown key "x\n::warning title=injected::y"\n  ::add-mask::secret\n##[set-output name=a;]b\nfix: a :: b';
    expect(shownLines(text).split('\n')).toEqual([
      'unknown key "x',
      '\\u003A:warning title=injected::y"',
      '  \\u003A:add-mask::secret',
      '\\u0023#[set-output name=a;]b',
      'fix: a :: b',
    ]);
    for (const line of shownLines(text).split('\n')) expect(line.trimStart()).not.toMatch(/^(::|##\[)/);
  });
});

describe('lookAlike', () => {
  it('flags Cyrillic look-alikes, zero-width characters and NFC/NFD spellings; not different names', () => {
    expect(lookAlike('Contoso', 'Соntoso')).toBe(
      '"Contoso" differs from "\\u0421\\u043Entoso" only by look-alike letters (Cyrillic or Greek)',
    );
    expect(lookAlike('Fab\u200Brikam', 'Fabrikam')).toBe(
      '"Fab\\u200Brikam" differs from "Fabrikam" only by invisible characters',
    );
    expect(lookAlike('Cafe\u0301', 'Caf\u00e9')).toBe(
      '"Cafe\\u0301" differs from "Caf\\u00E9" only by Unicode normalisation (NFC/NFD)',
    );
    expect(lookAlike('CAFE\u0301', 'Caf\u00e9')).toMatch(/only by Unicode normalisation \(NFC\/NFD\)$/);
    expect(lookAlike('Contoso', 'Contoso')).toBeUndefined();
    expect(lookAlike('CONTOSO', 'Contoso')).toBeUndefined();
    expect(lookAlike('Contoso', 'Fabrikam')).toBeUndefined();
  });

  it('gives NFC and NFD spellings one identity key', () => {
    expect(identityKey('Caf\u00e9 Ltd')).toBe(identityKey('CAFE\u0301 LTD'));
  });
});
