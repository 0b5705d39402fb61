/** `doctor --shapes` for ConnectWise, over real HTTP: what it confirms, what it flags, and that it prints no value. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectWiseClient } from '../../src/connectwise/client.js';
import { describeConnectWiseShapes } from '../../src/connectwise/doctor-shapes.js';
import { type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import type { CwWorld } from '../../src/sandbox/world.js';
import { clientFor, worldWithCompanies } from '../helpers/cw.js';

let fake: FakeConnectWise | undefined;
let client: ConnectWiseClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = client = undefined;
});

function tenant(): CwWorld {
  const world = worldWithCompanies(3);
  world.catalog.push({
    id: 752,
    identifier: 'SKU-SECRETIVE',
    description: 'x',
    inactiveFlag: false,
    price: 3,
    cost: 1,
  });
  world.agreements.push(
    { id: 41, name: 'Agreement-Alpha', companyId: 1, agreementStatus: 'Active', cancelledFlag: false },
    { id: 42, name: 'Agreement-Beta', companyId: 2, agreementStatus: 'Active', cancelledFlag: false },
  );
  world.additions.push({
    id: 9001,
    agreementId: 41,
    productId: 752,
    quantity: 77,
    unitPrice: 3,
    unitCost: 1,
    billCustomer: 'Billable',
    effectiveDate: '2026-01-01T00:00:00Z',
    cancelledDate: null,
    description: 'x',
  });
  return world;
}

async function shapes(world: CwWorld, over: { site?: boolean } = {}) {
  fake = await startFakeConnectWise(world);
  client = clientFor(world, over.site ? { site: fake.origin } : { url: fake.apiBase });
  return { fake, rows: await describeConnectWiseShapes(client) };
}

describe('doctor --shapes against ConnectWise', () => {
  it('on a faithful tenant, reached by site, confirms every assumption of every endpoint read', async () => {
    const { rows } = await shapes(tenant(), { site: true });
    expect(rows.map((r) => r.endpoint)).toEqual([
      'GET /login/companyinfo/{company}',
      'GET /system/info',
      'GET /company/companies',
      'GET /company/companies/count',
      'GET /finance/agreements',
      'GET /finance/agreements/count',
      'GET /procurement/catalog',
      'GET /procurement/catalog/count',
      'GET /finance/agreements/{id}/additions',
    ]);
    expect(rows.flatMap((r) => r.differs)).toEqual([]);
    const additions = rows.at(-1)!;
    expect(additions.shape).toMatch(/^HTTP 200 application\/json, \d+ bytes: list of 1 object \{id: number, /);
    expect(additions.shape).toContain('product: object {id: number, identifier: string');
    expect(additions.confirms).toEqual([
      'a JSON list of additions',
      'id is integer',
      'product/id is integer',
      'quantity is integer',
      'unitPrice is integer',
      'effectiveDate is string',
      'cancelledDate is absent',
      'agreementId is integer',
      'forward-only paging: a Link header without a next page ends the list',
    ]);
    const companies = rows.find((r) => r.endpoint === 'GET /company/companies')!;
    expect(companies.headers).toEqual(['link (rel next)']);
    expect(companies.confirms).toContain('forward-only paging: the Link header names the next pageId (rel next)');
  });

  it('holds no value: no name, identifier, id, quantity or URL of the tenant', async () => {
    const { rows } = await shapes(tenant(), { site: true });
    const text = JSON.stringify(rows).replace(/\d+ bytes/g, 'N bytes');
    for (const value of [
      'Agreement-Alpha',
      'SKU-SECRETIVE',
      'CUST00001',
      'Customer 1 Ltd',
      '9001',
      '77',
      '127.0.0.1',
      'v4_6_release',
    ])
      expect(text).not.toContain(value);
  });

  it('flags each difference: a proxy page, a missing field, paging by number', async () => {
    const world = tenant();
    fake = await startFakeConnectWise(world, {
      switches: { brokenList: { kind: 'html', path: /\/company\/companies$/ }, ignoreForwardOnly: true },
    });
    client = clientFor(world, { url: fake.apiBase });
    const first = await describeConnectWiseShapes(client);
    const byEndpoint = new Map(first.map((r) => [r.endpoint, r]));
    expect(byEndpoint.get('GET /company/companies')).toMatchObject({
      shape: expect.stringMatching(/^HTTP 200 text\/html, \d+ bytes: a body that is not JSON$/),
      differs: ['expected a JSON list of companies'],
    });
    expect(byEndpoint.get('GET /finance/agreements')!.differs).toEqual([
      'the Link header pages by number: forward-only paging is not honoured (cwsync then pages by number)',
    ]);
    fake.switches.brokenList = { kind: 'missing-field', path: '/additions' };
    fake.switches.ignoreForwardOnly = false;
    const second = await describeConnectWiseShapes(client);
    expect(second.at(-1)!.differs).toEqual(['product/id is absent, expected integer']);
  });

  it('a call that fails is a row saying so, and the other endpoints are still read', async () => {
    const world = tenant();
    world.permissions.delete('catalog');
    const { rows } = await shapes(world);
    const catalog = rows.find((r) => r.endpoint === 'GET /procurement/catalog')!;
    expect(catalog.differs[0]).toMatch(
      /^could not be read: ConnectWise GET .*\/procurement\/catalog failed with HTTP 403/,
    );
    expect(rows.at(-1)!.differs).toEqual([]);
  });
});
