import { describe, expect, it } from 'vitest';
import { forEachLimit } from '../../src/concurrency.js';
import { Limiter } from '../../src/http/limiter.js';
import { fakeClock } from '../helpers/clock.js';

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

describe('Limiter: an adaptive rate', () => {
  const burst = (limiter: Limiter, n: number) =>
    Promise.all(Array.from({ length: n }, () => limiter.run(async (startedAt) => startedAt)));

  it('spaces starts at the configured rate, on the injected clock', async () => {
    const clock = fakeClock();
    const starts = await burst(new Limiter(4, 5, clock), 5);
    expect(starts.map((t) => t - starts[0]!)).toEqual([0, 200, 400, 600, 800]);
  });

  it('halves the rate on a 429, once per burst, and holds every request for the Retry-After', async () => {
    const clock = fakeClock();
    const limiter = new Limiter(4, 10, clock);
    const [a, b] = await burst(limiter, 2);
    // Two requests of the same burst throttled: the rate is cut once, not twice.
    limiter.throttled(a!, 3000);
    limiter.throttled(b!, 3000);
    expect(limiter.currentRate).toBe(5);
    const before = clock.now();
    const [next] = await burst(limiter, 1);
    expect(next! - before).toBeGreaterThanOrEqual(3000);
    // A request started after the cut and throttled again cuts again.
    limiter.throttled(next!);
    expect(limiter.currentRate).toBe(2.5);
  });

  it('recovers slowly, 1 % a success, never above the configured rate', () => {
    const limiter = new Limiter(1, 4, fakeClock());
    limiter.throttled(0);
    expect(limiter.currentRate).toBe(2);
    for (let i = 0; i < 10; i++) limiter.succeeded();
    expect(limiter.currentRate).toBeCloseTo(2 * 1.01 ** 10, 6);
    for (let i = 0; i < 500; i++) limiter.succeeded();
    expect(limiter.currentRate).toBe(4);
  });

  it('with no configured rate, a 429 starts limiting at half the rate measured, and the limit lifts once recovered', async () => {
    const clock = fakeClock();
    const limiter = new Limiter(1, undefined, clock);
    expect(limiter.currentRate).toBeUndefined();
    for (let i = 0; i < 5; i++) await limiter.run(() => clock.sleep(100));
    limiter.throttled(clock.now());
    expect(limiter.currentRate).toBe(5);
    for (let i = 0; i < 2000; i++) limiter.succeeded();
    expect(limiter.currentRate).toBeUndefined();
  });
});
