import { describe, expect, it } from 'vitest';
import { nextPageId } from '../../src/connectwise/client.js';
import { batchIn, encodeQueryValue, eq, inList, literal, queryString } from '../../src/connectwise/conditions.js';
import { evaluate, parseConditions } from '../../src/sandbox/conditions.js';

describe('conditions builder', () => {
  it.each([
    ['plain', 'Contoso', '"Contoso"'],
    ['double quote', 'Bob "The" Builder', `'Bob "The" Builder'`],
    ['single quote', "O'Neil", `"O'Neil"`],
    ['number', 42, '42'],
    ['boolean', false, 'false'],
    ['null', null, 'null'],
    ['date', new Date('2026-11-26T02:17:00.000Z'), '[2026-11-26T02:17:00Z]'],
  ] as const)('quotes a %s', (_n, value, expected) => {
    expect(literal(value)).toBe(expected);
  });

  it('matches a value with both quote kinds by like, with _ for each double quote', () => {
    expect(eq('name', `O'Neil "Q" Co`)).toBe(`name like "O'Neil _Q_ Co"`);
    expect(inList('name', ['A', `O'N "Q"`])).toBe(`(name in ("A") or name like "O'N _Q_")`);
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

  it('round-trips through the fake server parser: what we build selects exactly what we meant', () => {
    const names = [`Smith "Bob" & Sons + 100% Co`, `O'Neil & Partners`, 'Plain'];
    const tree = parseConditions(inList('name', names), new Set(['name']));
    expect(names.every((n) => evaluate(tree, { name: n }))).toBe(true);
    expect(evaluate(tree, { name: 'Other' })).toBe(false);
  });
});

describe('nextPageId', () => {
  it('reads rel="next" and treats an empty or missing Link as the end', () => {
    expect(nextPageId('<https://h/x?pageSize=1000&pageId=2000>; rel="next"')).toBe(2000);
    expect(nextPageId('')).toBeUndefined();
    expect(nextPageId(null)).toBeUndefined();
    expect(nextPageId('<https://h/x?page=1>; rel="first", <https://h/x?page=3>; rel="last"')).toBeUndefined();
  });
});
