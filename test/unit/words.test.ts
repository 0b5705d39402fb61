import { describe, expect, it } from 'vitest';
import { plural } from '../../src/words.js';

describe('plural', () => {
  it.each([
    [0, 'customer', undefined, '0 customers'],
    [1, 'customer', undefined, '1 customer'],
    [2, 'more section', undefined, '2 more sections'],
    [1, 'user group', undefined, '1 user group'],
    [3, 'entity', 'entities', '3 entities'],
    [1, 'entity', 'entities', '1 entity'],
  ])('plural(%i, %s, %s) is "%s"', (n, one, many, text) => {
    expect(plural(n, one, many)).toBe(text);
  });
});
