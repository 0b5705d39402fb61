/** The ConnectWise client over real HTTP against the fake server. */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectWiseClient } from '../../src/connectwise/client.js';
import { COMPANY } from '../../src/connectwise/shapes.js';
import { type HttpError, NetworkError } from '../../src/http/errors.js';
import { type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import type { CwWorld } from '../../src/sandbox/world.js';
import { fakeClock } from '../helpers/clock.js';
import { clientFor, settings, worldWithCompanies } from '../helpers/cw.js';

let fake: FakeConnectWise | undefined;
let client: ConnectWiseClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = client = undefined;
});

async function start(
  world: CwWorld,
  over: Parameters<typeof clientFor>[1] = {},
  creds: Parameters<typeof clientFor>[2] = {},
) {
  fake = await startFakeConnectWise(world);
  client = clientFor(world, { url: fake.apiBase, ...over }, creds);
  return { fake, client };
}

function agreementWithAdditions(world: CwWorld, count: number) {
  world.catalog.push({
    id: 752,
    identifier: 'MP-CLOUDFILTER',
    description: 'CloudFilter',
    inactiveFlag: false,
    price: 3,
    cost: 1.5,
  });
  world.agreements.push({
    id: 1234,
    name: 'Email Security',
    companyId: 1,
    agreementStatus: 'Active',
    cancelledFlag: false,
  });
  for (let i = 0; i < count; i++)
    world.additions.push({
      id: 5000 + i,
      agreementId: 1234,
      productId: 752,
      quantity: i,
      unitPrice: 3,
      unitCost: 1.5,
      billCustomer: 'Billable',
      effectiveDate: '2026-01-01T00:00:00Z',
      cancelledDate: null,
      description: '',
    });
}

describe('ConnectWise client against the sandbox', () => {
  it('reads 2,600 companies completely, in three pages, with clientId and the pinned version first', async () => {
    const { fake, client } = await start(worldWithCompanies(2600));
    const companies = await client.companies(undefined);
    expect(companies).toHaveLength(2600);
    expect(new Set(companies.map((c) => c.id)).size).toBe(2600);
    expect(fake.requests).toHaveLength(3);
    const first = fake.requests[0]!;
    expect(first.headers.clientid).toBe('00000000-0000-4000-8000-000000000001');
    expect(String(first.headers.accept)).toMatch(/^application\/vnd\.connectwise\.com\+json; version=2025\.1/);
    expect(first.headers['pagination-type']).toBe('forward-only');
    expect(first.query.get('pageSize')).toBe('1000');
  });

  it('reads all 60 additions of an agreement, not the default 25', async () => {
    const world = worldWithCompanies(1);
    agreementWithAdditions(world, 60);
    const { client } = await start(world);
    const additions = await client.additions(1234);
    expect(additions).toHaveLength(60);
    expect(additions.map((a) => a.quantity).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('follows forward-only Link headers across pages and keeps the conditions on every page', async () => {
    const { fake, client } = await start(worldWithCompanies(2500));
    const rows = await client.list<{ id: number }>(
      '/company/companies',
      { conditions: 'name like "Customer 1%"' },
      'list',
      COMPANY,
    );
    expect(rows).toHaveLength(1 + 10 + 100 + 1000);
    expect(fake.requests.map((r) => r.query.get('conditions'))).toEqual([
      'name like "Customer 1%"',
      'name like "Customer 1%"',
    ]);
    expect(fake.requests[1]!.query.get('pageId')).toBe(String(rows[999]!.id));
  });

  it('a list ending on a full page with an empty Link header is confirmed by one count with the same conditions', async () => {
    const { fake, client } = await start(worldWithCompanies(2000));
    await expect(client.companies(undefined)).resolves.toHaveLength(2000);
    expect(fake.requests.map((r) => r.path.split('/').pop())).toEqual(['companies', 'companies', 'count']);
    expect(fake.requests[2]!.query.get('conditions')).toBe(fake.requests[0]!.query.get('conditions'));
  });

  it('never truncates an endpoint that ignores forward-only paging: it pages by number instead', async () => {
    const world = worldWithCompanies(2600);
    fake = await startFakeConnectWise(world, { ignoreForwardOnly: true });
    client = clientFor(world, { url: fake.apiBase });
    const companies = await client.companies(undefined);
    expect(companies).toHaveLength(2600);
    expect(new Set(companies.map((c) => c.id)).size).toBe(2600);
    expect(fake.requests.map((r) => r.query.get('page'))).toEqual([null, '1', '2', '3']);
    expect(fake.requests[1]!.query.get('orderBy')).toBe('id asc');
  });

  it('survives a burst of 429s, waiting as long as Retry-After says', async () => {
    const clock = fakeClock();
    const world = worldWithCompanies(3);
    fake = await startFakeConnectWise(world);
    client = clientFor(world, { url: fake.apiBase }, {}, { clock });
    fake.faults.push({
      path: '/company/companies',
      times: 2,
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: 'ConnectWiseAPI', message: 'Too many requests. Please try again in 7 seconds.' },
    });
    const companies = await client.companies(undefined);
    expect(companies).toHaveLength(3);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(clock.slept.filter((ms) => ms === 7000)).toHaveLength(2);
    expect(clock.elapsed()).toBeGreaterThanOrEqual(14_000);
    expect(client.transport.stats).toMatchObject({ retries: 2, throttled: 2 });
  });

  it('retries a 500 on a GET', async () => {
    const { fake, client } = await start(worldWithCompanies(3));
    fake.faults.push({
      method: 'GET',
      path: '/company/companies',
      times: 2,
      status: 500,
      body: { code: 'ConnectWiseApi', message: 'timeout' },
    });
    await expect(client.companies(undefined)).resolves.toHaveLength(3);
    expect(fake.requests.map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('retries a dropped connection on a GET', async () => {
    const { fake, client } = await start(worldWithCompanies(3));
    fake.faults.push({ method: 'GET', times: 1, drop: true });
    await expect(client.companies(undefined)).resolves.toHaveLength(3);
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up on a response slower than the timeout, and retries the read', async () => {
    const world = worldWithCompanies(3);
    fake = await startFakeConnectWise(world);
    // The one real wait in this file: the transport's own deadline, 200 ms.
    client = clientFor(world, { url: fake.apiBase }, {}, { timeoutMs: 200 });
    fake.faults.push({ method: 'GET', times: 1, delayMs: 1500 });
    await expect(client.companies(undefined)).resolves.toHaveLength(3);
    expect(fake.requests).toHaveLength(2);
    expect(client.transport.stats.retries).toBe(1);
  });

  it('takes its deadline from connectwise.timeoutSeconds', async () => {
    const world = worldWithCompanies(3);
    fake = await startFakeConnectWise(world);
    client = ConnectWiseClient.create(
      settings({ url: fake.apiBase, timeoutSeconds: 0.2 }),
      { publicKey: world.publicKey, privateKey: world.privateKey, clientId: world.clientIds[0]! },
      undefined,
      { clock: fakeClock(), maxAttempts: 1 },
    );
    fake.faults.push({ method: 'GET', times: 1, delayMs: 1500 });
    await expect(client.companies(undefined)).rejects.toThrow(/got no answer: timed out/);
  });

  it('does not repeat a POST whose answer was lost: one addition, one request, an outcome-unknown error', async () => {
    const world = worldWithCompanies(1);
    agreementWithAdditions(world, 0);
    const { fake, client } = await start(world);
    fake.faults.push({ method: 'POST', times: 1, dropAfterServing: true });
    const err = await client
      .createAddition(1234, {
        product: { id: 752 },
        quantity: 5,
        billCustomer: 'Billable',
        effectiveDate: '2026-12-01T00:00:00Z',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(world.additions).toHaveLength(1);
  });

  it('does not retry a 500 on a POST', async () => {
    const world = worldWithCompanies(1);
    agreementWithAdditions(world, 0);
    const { fake, client } = await start(world);
    fake.faults.push({ method: 'POST', times: 1, status: 500, body: { code: 'ConnectWiseApi', message: 'boom' } });
    await expect(
      client.createAddition(1234, {
        product: { id: 752 },
        quantity: 5,
        billCustomer: 'Billable',
        effectiveDate: '2026-12-01T00:00:00Z',
      }),
    ).rejects.toThrow(/HTTP 500/);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('ConnectWise failures become messages a user can act on', () => {
  const failure = async (client: ConnectWiseClient) =>
    (await client.companies(undefined).catch((e: unknown) => e)) as HttpError;

  it('401: names the company ID and the keys', async () => {
    const world = worldWithCompanies(1);
    const { client } = await start(world, {}, { privateKey: 'wrong' });
    const err = await failure(client);
    expect(err.message).toBe(
      'ConnectWise list companies (GET /v4_6_release/apis/3.0/company/companies) failed with HTTP 401 Unauthorized: Authentication failed.',
    );
    expect(err.hint).toBe(
      'check connectwise.company ("acme", the login company ID, case-sensitive) and the API member\'s public and private keys',
    );
    expect(`${err.message} ${err.hint}`).not.toContain('wrong');
  });

  it('403: names the permission the security role lacks', async () => {
    const world = worldWithCompanies(1);
    world.permissions.delete('companies');
    const { client } = await start(world);
    const err = await failure(client);
    expect(err.status).toBe(403);
    expect(err.message).toContain('Security: You do not have security permission to perform this action.');
    expect(err.hint).toBe(
      "the API member's security role needs Companies › Company Maintenance: Inquire = All (to resolve company identifiers and names)",
    );
  });

  it('400 for the clientId: points at the clientId header', async () => {
    const { client } = await start(worldWithCompanies(1), {}, { clientId: 'not-registered' });
    const err = await failure(client);
    expect(err.status).toBe(400);
    expect(err.hint).toBe(
      "check the clientId header: connectwise.clientId must be your integration's GUID from developer.connectwise.com",
    );
  });

  it('404 with a full url: says what the url should look like', async () => {
    const world = worldWithCompanies(1);
    fake = await startFakeConnectWise(world);
    client = clientFor(world, { url: `${fake.origin}/v2019_1/apis/3.0` });
    const err = await failure(client);
    expect(err.status).toBe(404);
    expect(err.hint).toContain('it should end in /apis/3.0');
  });

  it('finds the codebase for a site, and finds it again when an upgrade moves it', async () => {
    const world = worldWithCompanies(2);
    fake = await startFakeConnectWise(world);
    client = clientFor(world, { site: fake.origin });
    await expect(client.companies(undefined)).resolves.toHaveLength(2);
    world.codebase = 'v2025_1/';
    await expect(client.companies(undefined)).resolves.toHaveLength(2);
    expect(fake.requests.map((r) => `${r.status} ${r.path}`)).toEqual([
      '200 /login/companyinfo/acme',
      '200 /v4_6_release/apis/3.0/company/companies',
      '404 /v4_6_release/apis/3.0/company/companies',
      '200 /login/companyinfo/acme',
      '200 /v2025_1/apis/3.0/company/companies',
    ]);
  });

  it('a site that does not know the company ID says so', async () => {
    const world = worldWithCompanies(1);
    fake = await startFakeConnectWise(world);
    client = clientFor(world, { site: fake.origin, company: 'acmee' });
    await expect(client.companies(undefined)).rejects.toThrow(`ConnectWise at ${fake.origin} knows no company "acmee"`);
  });
});

describe('the fake ConnectWise behaves like the real API', () => {
  it('answers an unknown condition field with 400 ApiFindCondition', async () => {
    const { client } = await start(worldWithCompanies(1));
    const err = (await client
      .list('/company/companies', { conditions: 'invoiceDate = [2026-01-01T00:00:00Z]' }, 'list', COMPANY)
      .catch((e: unknown) => e)) as HttpError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('ApiFindCondition');
    expect(err.apiMessage).toBe('invoiceDate is not a recognized name.');
  });

  it('refuses a pageSize over 1000 and defaults to 25 with navigable Link headers', async () => {
    const { fake, client } = await start(worldWithCompanies(60));
    await expect(client.call('GET', '/company/companies?pageSize=1001')).rejects.toThrow(
      /pageSize must be between 1 and 1000/,
    );
    const res = await client.call<unknown[]>('GET', '/company/companies?page=2');
    expect(res.body).toHaveLength(25);
    expect(res.headers.get('link')).toContain('page=3>; rel="next"');
    expect(res.headers.get('link')).toContain('page=3>; rel="last"');
    void fake;
  });

  it('counts with conditions', async () => {
    const { client } = await start(worldWithCompanies(120));
    await expect(client.count('/company/companies', 'name like "Customer 1%"', 'count')).resolves.toBe(1 + 10 + 21);
  });
});
