/** The transport's retry and error paths, with nock. Any unmocked call fails; unused mocks fail. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/http/answer.js';
import { realClock } from '../../src/http/clock.js';
import { HttpError, LocalRequestError, mayHaveLanded, NetworkError } from '../../src/http/errors.js';
import { Transport } from '../../src/http/transport.js';
import { type FakeClock, fakeClock } from '../helpers/clock.js';

const API = 'https://api.example.test';
let transport: Transport | undefined;
let clock: FakeClock;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(async () => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  await transport?.close();
  transport = undefined;
  expect(pending).toEqual([]);
});

const make = (over: Partial<ConstructorParameters<typeof Transport>[0]> = {}) => {
  clock = fakeClock();
  transport = new Transport({
    service: 'Test',
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxAttempts: 4,
    hint: (f) => `hint for ${f.status}`,
    clock,
    random: () => 0.5,
    ...over,
  });
  return transport;
};

describe('Transport', () => {
  it('retries a 429 after Retry-After, for a POST too (it was not served)', async () => {
    nock(API)
      .post('/things')
      .reply(429, { error: 'ConnectWiseAPI', message: 'Too many requests' }, { 'retry-after': '0' });
    nock(API).post('/things').reply(201, { id: 1 });
    const res = await make().request({ method: 'POST', url: `${API}/things`, body: { a: 1 } });
    expect(res).toMatchObject({ status: 201, body: { id: 1 } });
    expect(transport!.stats).toEqual({ requests: 2, retries: 1, throttled: 1 });
  });

  it('retries 5xx on a GET with backoff, up to the attempt limit, then throws the last error', async () => {
    nock(API).get('/x').times(4).reply(503, { code: 'ConnectWiseApi', message: 'busy' });
    const err = (await make()
      .request({ method: 'GET', url: `${API}/x`, label: 'read x' })
      .catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.message).toBe('Test read x (GET /x) failed with HTTP 503 ConnectWiseApi: busy');
    expect(err.hint).toBe('hint for 503');
    expect(transport!.stats.requests).toBe(4);
    // Exponential backoff with (here fixed) jitter, waited on the injected clock.
    expect(clock.slept).toEqual([75, 150, 300]);
  });

  it('recovers when a GET 500 is followed by success', async () => {
    nock(API).get('/x').reply(500, 'oops').get('/x').reply(200, [1, 2]);
    await expect(make().request({ method: 'GET', url: `${API}/x` })).resolves.toMatchObject({ body: [1, 2] });
  });

  it('never retries a 5xx on a write, and marks its outcome unknown', async () => {
    nock(API).patch('/x').reply(500, { message: 'maybe' });
    const err = await make()
      .request({ method: 'PATCH', url: `${API}/x`, body: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(mayHaveLanded(err)).toBe(true);
    expect(transport!.stats.requests).toBe(1);
  });

  it('never retries a 4xx, and keeps ConnectWise error details', async () => {
    nock(API)
      .post('/x')
      .reply(400, {
        code: 'InvalidObject',
        message: 'addition object is invalid',
        errors: [
          {
            code: 'InvalidObject',
            message: 'effectiveDate cannot be less than the agreement billing start date',
            field: 'effectiveDate',
          },
        ],
      });
    const err = (await make()
      .request({ method: 'POST', url: `${API}/x`, body: {} })
      .catch((e: unknown) => e)) as HttpError;
    expect(err.message).toBe(
      'Test POST /x failed with HTTP 400 InvalidObject: addition object is invalid (effectiveDate cannot be less than the agreement billing start date)',
    );
    expect(err.errors[0]!.field).toBe('effectiveDate');
    expect(mayHaveLanded(err)).toBe(false);
    expect(transport!.stats.requests).toBe(1);
  });

  it('retries a network error on a GET; a network error on a POST is surfaced as outcome-unknown', async () => {
    // An Error, as Node's own are: nock 14 delivers a plain object to fetch but never to an http.ClientRequest.
    const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    nock(API).get('/x').replyWithError(reset()).get('/x').reply(200, {});
    await expect(make().request({ method: 'GET', url: `${API}/x` })).resolves.toMatchObject({ status: 200 });
    nock(API).post('/y').replyWithError(reset());
    const err = await transport!.request({ method: 'POST', url: `${API}/y`, body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toBe('Test POST /y got no answer: ECONNRESET (socket hang up)');
    expect(mayHaveLanded(err)).toBe(true);
  });

  it('fails at once when Retry-After exceeds the cap, saying how long the server asked to wait', async () => {
    nock(API).get('/x').reply(429, { message: 'Too many requests' }, { 'retry-after': '3600' });
    const err = (await make({ maxRetryAfterMs: 120_000 })
      .request({ method: 'GET', url: `${API}/x`, label: 'read x' })
      .catch((e: unknown) => e)) as HttpError;
    expect(err.message).toBe(
      'Test read x (GET /x) failed with HTTP 429 Too many requests; the server asked to wait 3600 s before trying again, longer than the 120 s cwsync waits',
    );
    expect(transport!.stats.requests).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('does not follow redirects, which would drop credentials', async () => {
    nock(API)
      .get('/x/')
      .reply(301, '', { location: `${API}/x` });
    await expect(make().request({ method: 'GET', url: `${API}/x/` })).rejects.toThrow(
      /redirected to https:\/\/api\.example\.test\/x; redirects are not followed/,
    );
  });

  it('sends JSON with a content type and keeps headers out of error messages', async () => {
    nock(API, { reqheaders: { authorization: 'Bearer top-secret', 'content-type': 'application/json' } })
      .post('/x', { a: 1 })
      .reply(401, { message: 'nope' });
    const err = (await make()
      .request({ method: 'POST', url: `${API}/x`, headers: { authorization: 'Bearer top-secret' }, body: { a: 1 } })
      .catch((e: unknown) => e)) as HttpError;
    expect(err.status).toBe(401);
    expect(`${err.message} ${err.hint}`).not.toContain('top-secret');
  });
});

describe('Transport: what is refused on this machine is never sent and never retried', () => {
  it('a header value with a line break: names the header and where its value comes from, never the value', async () => {
    const t = make({ headerSources: { clientid: 'connectwise.clientId from env CW_CLIENT_ID' } });
    const err = (await t
      .request({ method: 'GET', url: `${API}/x`, headers: { clientid: 'abc-secret\nX-Evil: 1' }, label: 'read x' })
      .catch((e: unknown) => e)) as LocalRequestError;
    expect(err).toBeInstanceOf(LocalRequestError);
    expect(err.message).toBe(
      'Test read x (GET /x) was not sent: the clientid header would carry a control or non-Latin-1 character (its value comes from connectwise.clientId from env CW_CLIENT_ID)',
    );
    expect(`${err.message} ${err.hint}`).not.toContain('abc-secret');
    expect(mayHaveLanded(err)).toBe(false);
    expect(t.stats.requests).toBe(0);
  });

  it.each([
    ['a URL that does not parse', { url: 'not a url' }, 'its URL is not valid'],
    ['a URL with credentials', { url: 'https://user:hunter22@api.example.test/x' }, 'its URL holds credentials'],
    ['a URL that is not http', { url: 'file:///etc/passwd' }, 'its URL uses file:, not https'],
    ['a body with a BigInt', { url: `${API}/x`, body: { n: 1n } }, 'its body cannot be serialized as JSON'],
  ])('%s', async (_name, over, reason) => {
    const t = make();
    const err = (await t.request({ method: 'POST', ...over }).catch((e: unknown) => e)) as LocalRequestError;
    expect(err).toBeInstanceOf(LocalRequestError);
    expect(err.message).toContain(reason);
    expect(err.message).not.toContain('hunter22');
    expect(t.stats).toEqual({ requests: 0, retries: 0, throttled: 0 });
  });

  it('an answer larger than the cap is not read, and not retried', async () => {
    nock(API)
      .get('/x')
      .reply(200, JSON.stringify(Array.from({ length: 100 }, (_, id) => ({ id }))));
    const err = await make({ maxBodyBytes: 200 })
      .request({ method: 'GET', url: `${API}/x` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalRequestError);
    expect((err as Error).message).toContain('is larger than 200 bytes, so it was not read');
    expect(transport!.stats.requests).toBe(1);
  });
});

describe('Transport: closing', () => {
  it('ends a call waiting to retry at once, without another request', async () => {
    nock(API).get('/x').reply(503, { message: 'busy' });
    // The real clock and an hour of backoff: only close() can end this wait before the test's
    // own time limit (no timing assert: a loaded machine may be slow, never red).
    const t = make({ clock: realClock, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 });
    const pending = t.request({ method: 'GET', url: `${API}/x`, label: 'read x' }).catch((e: unknown) => e);
    while (t.stats.retries === 0) await new Promise((r) => setImmediate(r));
    await t.close();
    const err = (await pending) as LocalRequestError;
    expect(err).toBeInstanceOf(LocalRequestError);
    expect(err.message).toBe('Test read x (GET /x) was not sent: the client was closed (the run is ending)');
    expect(t.stats.requests).toBe(1);
  });
});

describe('Transport: what a server sends never reaches a message raw', () => {
  it('an HTML error page is described by status, type and size, never quoted', async () => {
    const page = '<html><body>Gateway error at proxy-7 for tenant acme</body></html>';
    nock(API).get('/x').times(4).reply(502, page, { 'content-type': 'text/html' });
    const err = (await make()
      .request({ method: 'GET', url: `${API}/x`, label: 'read x' })
      .catch((e: unknown) => e)) as HttpError;
    expect(err.message).toBe(
      `Test read x (GET /x) failed with HTTP 502 (text/html, ${page.length} bytes: a body that is not JSON)`,
    );
    expect(err.message).not.toMatch(/proxy-7|<html/);
  });

  it('a 200 that is not JSON is handed to the adapter marked as such, not as an empty list', async () => {
    nock(API).get('/x').reply(200, '<html>maintenance</html>', { 'content-type': 'text/html' });
    const res = await make().request({ method: 'GET', url: `${API}/x` });
    expect(res).toMatchObject({ status: 200, format: 'not-json', bytes: 24 });
    nock(API).get('/y').reply(200, '');
    await expect(transport!.request({ method: 'GET', url: `${API}/y` })).resolves.toMatchObject({ format: 'empty' });
  });

  it('an API message echoing a credential is scrubbed, and the base64 of a Basic header with it', async () => {
    const basic = Buffer.from('acme+pub:priv-SECRET').toString('base64');
    nock(API)
      .get('/x')
      .reply(401, { code: 'Unauthorized', message: `bad header Basic ${basic} for clientid cid-SECRET-1` });
    const err = (await make({ secrets: ['priv-SECRET'] })
      .request({
        method: 'GET',
        url: `${API}/x`,
        headers: { authorization: `Basic ${basic}`, clientid: 'cid-SECRET-1' },
      })
      .catch((e: unknown) => e)) as HttpError;
    expect(err.message).toBe(
      'Test GET /x failed with HTTP 401 Unauthorized: bad header [redacted] for clientid [redacted]',
    );
  });
});

describe('Transport: throttling adapts to a server whose limit is below the configured rate', () => {
  it('reads 120 pages from a server allowing 3 requests a second while configured for 5: all served, few 429s', async () => {
    const t = make({ requestsPerSecond: 5, concurrency: 4, maxAttempts: 6 });
    const served: number[] = [];
    let throttled = 0;
    nock(API)
      .get(/\/page\/\d+/)
      .times(1000)
      .reply((uri) => {
        const now = clock.now();
        while (served.length > 0 && served[0]! <= now - 1000) served.shift();
        if (served.length >= 3) {
          throttled++;
          return [429, { message: 'slow down' }, { 'retry-after': '1' }];
        }
        served.push(now);
        return [200, { page: Number(uri.split('/').pop()) }];
      });
    const pages = await Promise.all(
      Array.from({ length: 120 }, (_, i) => t.request<{ page: number }>({ method: 'GET', url: `${API}/page/${i}` })),
    );
    nock.cleanAll();
    expect(pages.map((p) => p.body.page)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // Pacing at 5/s against a limit of 3/s without adapting costs a 429 for every few requests.
    expect(throttled).toBeLessThanOrEqual(8);
    expect(t.stats.throttled).toBe(throttled);
    expect(t.limiter.currentRate).toBeLessThanOrEqual(3.5);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Thu, 26 Nov 2026 02:00:10 GMT', Date.parse('Thu, 26 Nov 2026 02:00:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
