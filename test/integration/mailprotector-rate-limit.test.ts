/**
 * The fake Mailprotector's rate limit, on an injected clock: the server side of the adaptive
 * throttling test (a complete read under a 3 requests/second limit) once the transport adapts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMailprotector, startFakeMailprotector } from '../../src/sandbox/fake-mailprotector.js';
import { emptyMpWorld } from '../../src/sandbox/world.js';

let fake: FakeMailprotector | undefined;
afterEach(async () => fake?.close());

describe('fake Mailprotector rate limit', () => {
  it('answers 429 with Retry-After beyond N requests in any second, and serves again a second later', async () => {
    let now = 5_000;
    fake = await startFakeMailprotector(emptyMpWorld(), { behaviour: { rateLimit: { perSecond: 3 } }, now: () => now });
    const get = async () => {
      const res = await fetch(`${fake!.apiBase}/resellers/343/customers?page=1&per_page=25`, {
        headers: { authorization: 'Bearer sandbox-mp-key' },
      });
      await res.arrayBuffer();
      return [res.status, res.headers.get('retry-after')];
    };
    const first = [];
    for (let i = 0; i < 5; i++) first.push(await get());
    expect(first).toEqual([
      [200, null],
      [200, null],
      [200, null],
      [429, '1'],
      [429, '1'],
    ]);
    now += 999;
    expect(await get()).toEqual([429, '1']);
    now += 1;
    expect(await get()).toEqual([200, null]);
  });
});
