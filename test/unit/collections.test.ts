/** Small collection helpers: values shared by key. */
import { describe, expect, it } from 'vitest';
import { sharer } from '../../src/collections.js';

describe('sharer', () => {
  it('gives back the first value with the same key, remembers at most `limit`, and never shares an unkeyed value', () => {
    const share = sharer<number[]>((list) => (list.length > 0 ? list.join() : undefined), 2);
    const a = [1, 2];
    const b = [3];
    expect(share(a)).toBe(a);
    expect(share([1, 2])).toBe(a);
    expect(share(b)).toBe(b);
    const c = [4];
    expect(share(c)).toBe(c);
    expect(share([4])).not.toBe(c); // the limit was reached: [4] was not remembered
    expect(share([3])).toBe(b);
    const empty: number[] = [];
    expect(share([])).not.toBe(share(empty));
  });
});
