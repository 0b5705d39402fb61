import { describe, expect, it } from 'vitest';
import {
  and,
  batchIn,
  encodeQueryValue,
  eq,
  inList,
  literal,
  queryString,
  type Value,
  widePattern,
} from '../../src/connectwise/conditions.js';
import { evaluate, parseConditions } from '../../src/sandbox/conditions.js';

describe('conditions builder', () => {
  it.each([
    ['plain', 'Contoso', '"Contoso"'],
    ['number', 42, '42'],
    ['boolean', false, 'false'],
    ['null', null, 'null'],
    ['date', new Date('2026-11-26T02:17:00.000Z'), '[2026-11-26T02:17:00Z]'],
  ] as const)('quotes a %s', (_n, value, expected) => {
    expect(literal(value)).toBe(expected);
  });

  it('has no literal for a value holding a quote: ConnectWise documents no escape', () => {
    expect(() => literal(`Bob "The" Builder`)).toThrow(/use eq/);
    expect(() => literal("O'Neil")).toThrow(/use eq/);
  });

  it('matches a value holding a quote with like and the documented % wildcard, never _', () => {
    expect(eq('name', `O'Neil "Q" Co`)).toBe(`name like "O%Neil %Q% Co"`);
    expect(eq('name', "O'Neil")).toBe(`name like "O%Neil"`);
    expect(inList('name', ['A', `O'N "Q"`])).toBe(`(name in ("A") or name like "O%N %Q%")`);
    // Characters that may act as patterns become % too, so the match only ever widens.
    expect(widePattern(`A_B [x] 50%*"'`)).toBe('A%B %x% 50%');
    for (const v of [`O'Neil "Q" Co`, `a_b "c"`, `[EU] 'x'`]) expect(eq('name', v)).not.toContain('_');
  });

  it('a widened match still selects the value, and the fake knows no _ wildcard', () => {
    const names = [`O'Neil "Q" Co`, `A_B "x" [EU]`, `100% "sure" 'yes'`];
    for (const n of names) expect(evaluate(parseConditions(eq('name', n), new Set(['name'])), { name: n })).toBe(true);
    expect(evaluate(parseConditions('name like "A_C"', new Set(['name'])), { name: 'ABC' })).toBe(false);
    expect(evaluate(parseConditions('name like "A_C"', new Set(['name'])), { name: 'A_C' })).toBe(true);
    expect(evaluate(parseConditions('name like "A*"', new Set(['name'])), { name: 'ABC' })).toBe(true);
  });

  it('percent-encodes every character ConnectWise treats specially', () => {
    expect(encodeQueryValue(`a&b+c%d"e'f*g h(i)`)).toBe('a%26b%2Bc%25d%22e%27f%2Ag%20h%28i%29');
    expect(queryString({ conditions: 'id = 1', pageId: undefined, pageSize: 1000 })).toBe(
      '?conditions=id%20%3D%201&pageSize=1000',
    );
  });

  it('batches in-lists to keep each URL under the limit', () => {
    const values = Array.from({ length: 300 }, (_, i) => `IDENT${i}`);
    const urlFor = (c: string) => `https://h/apis/3.0/company/companies${queryString({ conditions: c })}`;
    const batches = batchIn('identifier', values, urlFor, 500);
    expect(batches.flat()).toEqual(values);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(urlFor(inList('identifier', b)).length).toBeLessThanOrEqual(500);
  });

  it('batches as measuring every trial URL whole would, for plain, quoted, numeric and non-ASCII values', () => {
    // The straightforward rule batchIn must keep: add a value while the URL it makes stays in bounds.
    const reference = <T extends Value>(
      field: string,
      values: readonly T[],
      urlFor: (c: string) => string,
      max: number,
    ) => {
      const batches: T[][] = [];
      let current: T[] = [];
      for (const v of values) {
        const trial = [...current, v];
        if (current.length > 0 && urlFor(inList(field, trial)).length > max) {
          batches.push(current);
          current = [v];
        } else current = trial;
      }
      if (current.length) batches.push(current);
      return batches;
    };
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pieces = [
      'Contoso',
      'Fabrikam & Co',
      `O'Neil`,
      'Smith "Bob"',
      'Zürich GmbH',
      '東京',
      '100% [x]',
      'a_b*c',
      ' ',
    ];
    const urlFor = (c: string) =>
      `https://h/apis/3.0/company/companies${queryString({ conditions: and(c, 'deletedFlag = false'), pageSize: 1000 })}`;
    for (let round = 0; round < 40; round++) {
      const values = Array.from({ length: 1 + Math.floor(rand() * 120) }, (_, i) =>
        rand() < 0.15 ? i * 37 : `${pieces[Math.floor(rand() * pieces.length)]} ${i}`,
      );
      for (const max of [120, 300, 700, 2000])
        expect(batchIn('identifier', values, urlFor, max)).toEqual(reference('identifier', values, urlFor, max));
    }
  });

  it('round-trips through the fake server parser: what we build selects exactly what we meant', () => {
    const names = [`Smith "Bob" & Sons + 100% Co`, `O'Neil & Partners`, 'Plain'];
    const tree = parseConditions(inList('name', names), new Set(['name']));
    expect(names.every((n) => evaluate(tree, { name: n }))).toBe(true);
    expect(evaluate(tree, { name: 'Other' })).toBe(false);
  });
});
