/** Name -> ID resolution against the fake ConnectWise. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Binding } from '../../src/config/types.js';
import type { ConnectWiseClient } from '../../src/connectwise/client.js';
import { type Failure, resolveEach } from '../../src/connectwise/resolve.js';
import { type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import type { CwWorld } from '../../src/sandbox/world.js';
import { clientFor, worldWithCompanies } from '../helpers/cw.js';

let fake: FakeConnectWise | undefined;
let client: ConnectWiseClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
});

async function start(world: CwWorld) {
  fake = await startFakeConnectWise(world);
  client = clientFor(world, { url: fake.apiBase });
  return { fake, client };
}

const bind = (company: string, agreement: Binding['agreement'], line = 1): Binding => ({
  customer: `c-${line}`,
  company,
  agreement,
  overrides: {},
  source: { file: 'customers.yaml', line },
});

function addCatalog(world: CwWorld) {
  world.catalog.push(
    { id: 752, identifier: 'MP-CLOUDFILTER', description: 'CloudFilter', inactiveFlag: false, price: 3, cost: 1 },
    { id: 753, identifier: 'MP-SAFESEND', description: 'SafeSend', inactiveFlag: false, price: 1, cost: 0.5 },
    { id: 754, identifier: 'MP-OLD', description: 'old', inactiveFlag: true, price: 1, cost: 0.5 },
  );
}

/** Every binding and product resolved: no failure beside them. */
async function resolveAll(...args: Parameters<typeof resolveEach>) {
  const { failures, ...resolution } = await resolveEach(...args);
  expect(failures).toEqual([]);
  return resolution;
}

/** The failures, each as file:line (or services.yaml), its message and its fix. */
async function failures(promise: Promise<{ failures: Failure[] }>): Promise<string[]> {
  const { failures } = await promise;
  return failures.map(
    (f) =>
      `${f.binding ? `${f.binding.source.file}:${f.binding.source.line}` : 'services.yaml'}: ${f.message}${f.fix ? `; ${f.fix}` : ''}`,
  );
}

describe('resolving names to IDs', () => {
  it('resolves company names holding quotes, &, +, %, _ and [ ], and exact agreement names', async () => {
    const world = worldWithCompanies(5);
    addCatalog(world);
    const hostile = [
      `Smith "Bob" & Sons + 100% Co`,
      `O'Neil "Quotes" & Partners`,
      `Ünïcödé GmbH & Co. KG`,
      `Plain + Simple 50%`,
      `Data_Co [EU] "Main"`,
    ];
    hostile.forEach((name, i) => {
      world.companies.push({ id: 900 + i, identifier: `H${i}`, name, deletedFlag: false });
      world.agreements.push({
        id: 7000 + i,
        name: `Email "Security" 100% & more`,
        companyId: 900 + i,
        agreementStatus: 'Active',
        cancelledFlag: false,
      });
    });
    // Decoys that the widened like patterns also match: only the exact names may be chosen.
    world.companies.push(
      { id: 999, identifier: 'DECOY', name: `O'Neil _Quotes_ & Partners`, deletedFlag: false },
      { id: 998, identifier: 'DECOY2', name: `DataXCo -EU- 'Main'`, deletedFlag: false },
    );
    const { fake, client } = await start(world);
    const result = await resolveAll(
      client,
      hostile.map((n, i) => bind(n, `Email "Security" 100% & more`, i + 1)),
      ['MP-CLOUDFILTER'],
    );
    expect(result.bindings.map((b) => [b.company.id, b.agreement.id])).toEqual(
      hostile.map((_, i) => [900 + i, 7000 + i]),
    );
    expect(result.products.get('MP-CLOUDFILTER')).toEqual({ id: 752, identifier: 'MP-CLOUDFILTER', unitPrice: 3 });
    const sent = fake.requests.map((r) => r.query.get('conditions') ?? '').join('\n');
    expect(sent).toContain('name like "Data%Co %EU% %Main%"');
    expect(sent).not.toMatch(/like "[^"]*_/);
  });

  it('prefers the identifier, then the exact name, and excludes deleted companies', async () => {
    const world = worldWithCompanies(0);
    world.companies.push(
      { id: 1, identifier: 'CONTOSO', name: 'Contoso Ltd', deletedFlag: true },
      { id: 2, identifier: 'CONTOSO2', name: 'Contoso Ltd', deletedFlag: false },
    );
    world.agreements.push({ id: 10, name: 'Email', companyId: 2, agreementStatus: 'Active', cancelledFlag: false });
    const { client } = await start(world);
    const result = await resolveAll(client, [bind('Contoso Ltd', 'Email'), bind('contoso2', 'Email', 2)], []);
    expect(result.bindings.map((b) => b.company.id)).toEqual([2, 2]);
  });

  it('reports an ambiguous agreement name with both IDs, and every other failure with it', async () => {
    const world = worldWithCompanies(2);
    addCatalog(world);
    world.agreements.push(
      { id: 1234, name: 'Email Security', companyId: 1, agreementStatus: 'Active', cancelledFlag: false },
      { id: 1235, name: 'Email Security', companyId: 1, agreementStatus: 'Active', cancelledFlag: false },
      { id: 1236, name: 'Email Security', companyId: 2, agreementStatus: 'Cancelled', cancelledFlag: true },
      { id: 1237, name: 'Managed Services', companyId: 2, agreementStatus: 'Active', cancelledFlag: false },
    );
    world.companies.push(
      { id: 3, identifier: 'TWIN1', name: 'Twin Co', deletedFlag: false },
      { id: 4, identifier: 'TWIN2', name: 'Twin Co', deletedFlag: false },
    );
    const { client } = await start(world);
    const list = await failures(
      resolveEach(
        client,
        [
          bind('CUST00001', 'Email Security', 3),
          bind('CUST00002', 'Email Security', 7),
          bind('NOPE', 'x', 9),
          bind('Twin Co', 'x', 11),
          bind('CUST00002', { id: 1234 }, 13),
        ],
        ['MP-CLOUDFILTER', 'MP-OLD', 'MP-GONE'],
      ),
    );
    expect(list).toEqual([
      'customers.yaml:9: no company has the identifier or exact name "NOPE" (deleted companies excluded); write the company identifier shown in ConnectWise (Companies), or its exact name',
      'customers.yaml:11: company name "Twin Co" matches 2 companies: TWIN1 (id 3), TWIN2 (id 4); use the identifier instead',
      'customers.yaml:3: agreement "Email Security" under CUST00001 is ambiguous: ids 1234, 1235; write agreement: { id: N }',
      'customers.yaml:7: no open agreement named "Email Security" under company CUST00002 (id 2); its agreements: "Managed Services" (id 1237)',
      'customers.yaml:13: agreement id 1234 belongs to company CUST00001, not CUST00002',
      'services.yaml: no active catalog item has the identifier "MP-OLD" (it exists but is inactive: reactivate it or map another)',
      'services.yaml: no active catalog item has the identifier "MP-GONE"',
    ]);
  });

  it('fails every binding that names an unknown company, not only the first, so none vanishes', async () => {
    const world = worldWithCompanies(3);
    const { client } = await start(world);
    expect(await failures(resolveEach(client, [bind('NOPE', 'Email', 1), bind('NOPE', 'Email', 4)], []))).toEqual([
      expect.stringMatching(/^customers\.yaml:1: no company has the identifier or exact name "NOPE"/),
      expect.stringMatching(/^customers\.yaml:4: no company has the identifier or exact name "NOPE"/),
    ]);
  });

  it('suggests the company a typo meant, reading the company list only because something failed', async () => {
    const world = worldWithCompanies(3);
    world.companies.push({ id: 950, identifier: 'CONTOSO', name: 'Contoso Ltd.', deletedFlag: false });
    const { client } = await start(world);
    expect(await failures(resolveEach(client, [bind('CONTSO', 'Email', 3)], []))).toEqual([
      expect.stringMatching(
        /^customers\.yaml:3: no company has the identifier or exact name "CONTSO" .*did you mean "CONTOSO"\?$/,
      ),
    ]);
  });

  it('flags a company or agreement name that differs from one there only by look-alike or invisible characters', async () => {
    const world = worldWithCompanies(3);
    world.companies.push({ id: 950, identifier: 'CONTOSO', name: 'Contoso Ltd.', deletedFlag: false });
    world.agreements.push({
      id: 1240,
      name: 'Email Security',
      companyId: 950,
      agreementStatus: 'Active',
      cancelledFlag: false,
    });
    const { client } = await start(world);
    const list = await failures(
      resolveEach(client, [bind('CONT\u200BOSO', 'Email', 3), bind('CONTOSO', 'Email S\u0435curity', 5)], []),
    );
    expect(list).toEqual([
      'customers.yaml:3: no company has the identifier or exact name "CONT\u200BOSO" (deleted companies excluded); "CONT\\u200BOSO" differs from "CONTOSO" only by invisible characters: write it as the name it looks like, in plain characters',
      'customers.yaml:5: no open agreement named "Email S\u0435curity" under company CONTOSO (id 950); its agreements: "Email Security" (id 1240); "Email S\\u0435curity" differs from "Email Security" only by look-alike letters (Cyrillic or Greek)',
    ]);
  });

  it('resolves 500 bindings in a handful of requests, not 500+', async () => {
    const world = worldWithCompanies(2600);
    addCatalog(world);
    for (let i = 1; i <= 2600; i++)
      world.agreements.push({
        id: 10_000 + i,
        name: 'Email Security',
        companyId: i,
        agreementStatus: 'Active',
        cancelledFlag: false,
      });
    const { fake, client } = await start(world);
    const bindings = Array.from({ length: 500 }, (_, i) =>
      bind(`CUST${String(i * 5 + 1).padStart(5, '0')}`, 'Email Security', i + 1),
    );
    const result = await resolveAll(client, bindings, ['MP-CLOUDFILTER', 'MP-SAFESEND']);
    expect(result.bindings).toHaveLength(500);
    expect(result.bindings[499]!.agreement.id).toBe(10_000 + 499 * 5 + 1);
    // companies: a count, then all 3 pages beat 7+ in-list batches; agreements: 2 in-list batches of company ids; catalog: 1.
    expect(fake.requests.map((r) => r.path.replace('/v4_6_release/apis/3.0', ''))).toEqual([
      '/company/companies/count',
      '/company/companies',
      '/company/companies',
      '/company/companies',
      '/finance/agreements',
      '/finance/agreements',
      '/procurement/catalog',
    ]);
    expect(fake.requests.every((r) => `${r.path}?${r.query.toString()}`.length < 2000)).toBe(true);
  });

  it('uses in-lists when they are fewer requests, keeping every URL under 2,000 characters', async () => {
    const world = worldWithCompanies(2600);
    for (let i = 1; i <= 2600; i++)
      world.agreements.push({
        id: 10_000 + i,
        name: 'Email Security',
        companyId: i,
        agreementStatus: 'Active',
        cancelledFlag: false,
      });
    const { fake, client } = await start(world);
    const bindings = Array.from({ length: 150 }, (_, i) =>
      bind(`CUST${String(i * 7 + 1).padStart(5, '0')}`, 'Email Security', i + 1),
    );
    const result = await resolveAll(client, bindings, []);
    expect(result.bindings).toHaveLength(150);
    const urls = fake.requests.map((r) => `${fake!.apiBase}${r.path}?${r.query.toString()}`);
    expect(urls.every((u) => u.length <= 2000)).toBe(true);
    expect(fake.requests.length).toBeLessThanOrEqual(4);
  });
});
