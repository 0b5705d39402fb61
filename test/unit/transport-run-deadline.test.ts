/** The run's deadline (--max-duration) in the transport: waits the server asks for count against it. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalRequestError } from '../../src/http/errors.js';
import { Transport } from '../../src/http/transport.js';
import { fakeClock } from '../helpers/clock.js';

const API = 'https://api.example.test';
let transport: Transport | undefined;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  await transport?.close();
  transport = undefined;
});

describe('the run deadline', () => {
  it('Retry-After 119 on every request: calls stop within the deadline, unsent, naming it; no wait reaches past it', async () => {
    const clock = fakeClock();
    const deadline = 5 * 60_000;
    nock(API).persist().get(/.*/).reply(429, { message: 'Too many requests' }, { 'retry-after': '119' });
    transport = new Transport({ service: 'Test', clock, maxAttempts: 100, deadlineAt: clock.now() + deadline });
    const calls = Array.from({ length: 8 }, (_, i) =>
      transport!.request({ method: 'GET', url: `${API}/page/${i}`, label: `read page ${i}` }).catch((e: unknown) => e),
    );
    const errors = await Promise.all(calls);
    for (const err of errors) {
      expect(err).toBeInstanceOf(LocalRequestError);
      expect((err as Error).message).toContain("the run's deadline (--max-duration)");
    }
    expect(clock.elapsed()).toBeLessThanOrEqual(deadline);
    // 119 s waits fit twice into 5 minutes: the third would pass the deadline and is never begun.
    expect(transport.stats.requests).toBeLessThanOrEqual(8 * 3);
  });

  it('no request starts once the deadline has passed', async () => {
    const clock = fakeClock();
    transport = new Transport({ service: 'Test', clock, deadlineAt: clock.now() });
    await expect(transport.request({ method: 'POST', url: `${API}/things`, label: 'create a thing' })).rejects.toThrow(
      "Test create a thing (POST /things) was not sent: the run's deadline (--max-duration) has passed",
    );
    expect(transport.stats.requests).toBe(0);
  });
});
