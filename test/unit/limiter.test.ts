import { describe, expect, it } from 'vitest';
import { forEachLimit } from '../../src/concurrency.js';
import { Limiter } from '../../src/http/limiter.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('forEachLimit', () => {
  it('visits every item once with at most `limit` running', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimit(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (item, index) => {
        expect(item).toBe(index);
        running++;
        most = Math.max(most, running);
        await tick();
        seen.push(item);
        running--;
      },
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(4);
  });

  it('passes an error on', async () => {
    await expect(
      forEachLimit([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('two');
      }),
    ).rejects.toThrow('two');
  });
});

describe('Limiter', () => {
  it('runs thousands of queued calls in arrival order, never more than its concurrency at once', async () => {
    const limiter = new Limiter(3);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5000 }, (_, i) =>
        limiter.run(async () => {
          running++;
          most = Math.max(most, running);
          order.push(i);
          await tick();
          running--;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
