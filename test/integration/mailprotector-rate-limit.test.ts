/**
 * Issue 14's finding: Mailprotector limiting at 3 requests/second made `usage` fail after 61
 * throttled requests at the configured 5/s. The fake's rate limit and the transport share one
 * injected clock, so the adaptive throttling is shown in full without waiting in real time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMailprotector, startFakeMailprotector } from '../../src/sandbox/fake-mailprotector.js';
import { emptyMpWorld } from '../../src/sandbox/world.js';
import { MailprotectorUsageSource } from '../../src/usage/mailprotector.js';
import { fakeClock } from '../helpers/clock.js';
import { DEFAULT_SCENARIO, generateScenario } from '../support/scenario.js';

let fake: FakeMailprotector | undefined;
let source: MailprotectorUsageSource | undefined;
afterEach(async () => {
  await source?.close();
  await fake?.close();
  source = fake = undefined;
});

describe('usage under a server limit below the configured rate', () => {
  it('reads everything, exactly, at 5/s configured against a 3/s limit, slowing down instead of failing', async () => {
    const { world } = generateScenario({ ...DEFAULT_SCENARIO, customers: 40 });
    const clock = fakeClock();
    const settings = { url: '', apiKey: { env: 'X' }, reseller: 343, requestsPerSecond: 5, concurrency: 4 };
    fake = await startFakeMailprotector(world.mp, {
      behaviour: { rateLimit: { perSecond: 3 } },
      now: () => clock.now(),
    });
    const limited = new MailprotectorUsageSource({ ...settings, url: fake.apiBase }, world.mp.apiKey, undefined, {
      clock,
    });
    const throttled = await limited.read();
    const throttledRequests = fake.requests.length;
    await limited.close();
    const statuses = fake.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    await fake.close();
    fake = await startFakeMailprotector(world.mp);
    source = new MailprotectorUsageSource({ ...settings, url: fake.apiBase, requestsPerSecond: 1000 }, world.mp.apiKey);
    const unlimited = await source.read();
    expect({ ...throttled, capturedAt: undefined }).toEqual({ ...unlimited, capturedAt: undefined });
    // Fewer throttled answers than requests: the rate came down instead of retrying at 5/s until giving up.
    expect(statuses.filter((s) => s === 429).length).toBeLessThan(throttledRequests / 4);
  });
});

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
