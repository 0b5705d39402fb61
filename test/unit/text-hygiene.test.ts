/** Text hygiene: hidden and control characters shown escaped; look-alike names flagged. */
import { describe, expect, it } from 'vitest';
import { escapeDeep, escapeJsonText, escapeText, identityKey, lookAlike } from '../../src/text-hygiene.js';

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

  it('writes JSON whose hidden characters are JSON escapes: the same data when parsed', () => {
    const json = escapeJsonText(JSON.stringify({ name: 'A\u202EB\u0085' }));
    expect(json).toBe('{"name":"A\\u202eB\\u0085"}');
    expect(JSON.parse(json)).toEqual({ name: 'A\u202EB\u0085' });
  });
});

describe('lookAlike', () => {
  it('flags Cyrillic look-alikes, zero-width characters and NFC/NFD spellings; not different names', () => {
    expect(lookAlike('Contoso', 'Соntoso')).toBe(
      '"Contoso" and "Соntoso" differ only by look-alike letters (Cyrillic or Greek): plain ASCII vs U+0421 at 1, U+043E at 2',
    );
    expect(lookAlike('Fabrikam', 'Fab\u200Brikam')).toMatch(
      /differ only by invisible characters: plain ASCII vs U\+200B at 4$/,
    );
    expect(lookAlike('Caf\u00e9', 'Cafe\u0301')).toMatch(/differ only by Unicode normalisation \(NFC\/NFD\)/);
    expect(lookAlike('Contoso', 'Contoso')).toBeUndefined();
    expect(lookAlike('Contoso', 'Fabrikam')).toBeUndefined();
  });

  it('gives NFC and NFD spellings one identity key', () => {
    expect(identityKey('Caf\u00e9 Ltd')).toBe(identityKey('CAFE\u0301 LTD'));
  });
});
