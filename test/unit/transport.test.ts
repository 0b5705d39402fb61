/** The transport's retry and error paths, with nock. Any unmocked call fails; unused mocks fail. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, NetworkError, outcomeUnknown } from '../../src/http/errors.js';
import { retryAfterMs, Transport } from '../../src/http/transport.js';

const API = 'https://api.example.test';
let transport: Transport | undefined;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(async () => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  await transport?.close();
  transport = undefined;
  expect(pending).toEqual([]);
});

const make = (over: Partial<ConstructorParameters<typeof Transport>[0]> = {}) =>
  (transport = new Transport({
    service: 'Test',
    baseDelayMs: 1,
    maxDelayMs: 5,
    maxAttempts: 4,
    hint: (f) => `hint for ${f.status}`,
    ...over,
  }));

describe('Transport', () => {
  it('retries a 429 after Retry-After, for a POST too (it was not served)', async () => {
    nock(API)
      .post('/things')
      .reply(429, { error: 'ConnectWiseAPI', message: 'Too many requests' }, { 'retry-after': '0' });
    nock(API).post('/things').reply(201, { id: 1 });
    const res = await make().request({ method: 'POST', url: `${API}/things`, body: { a: 1 } });
    expect(res).toMatchObject({ status: 201, body: { id: 1 } });
    expect(transport!.stats).toEqual({ requests: 2, retries: 1 });
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
    expect(outcomeUnknown(err)).toBe(true);
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
    expect(outcomeUnknown(err)).toBe(false);
    expect(transport!.stats.requests).toBe(1);
  });

  it('retries a network error on a GET; a network error on a POST is surfaced as outcome-unknown', async () => {
    nock(API).get('/x').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }).get('/x').reply(200, {});
    await expect(make().request({ method: 'GET', url: `${API}/x` })).resolves.toMatchObject({ status: 200 });
    nock(API).post('/y').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const err = await transport!.request({ method: 'POST', url: `${API}/y`, body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(outcomeUnknown(err)).toBe(true);
  });

  it('fails instead of waiting when Retry-After exceeds the cap', async () => {
    nock(API).get('/x').reply(429, {}, { 'retry-after': '3600' });
    await expect(make({ maxRetryAfterMs: 1000 }).request({ method: 'GET', url: `${API}/x` })).rejects.toThrow(
      /HTTP 429/,
    );
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

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Thu, 26 Nov 2026 02:00:10 GMT', Date.parse('Thu, 26 Nov 2026 02:00:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
