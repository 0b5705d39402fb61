/** `describeMailprotectorShapes` (for `cwsync doctor --shapes`) against the fake in its shapes and faults. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  answerFault,
  type FakeMailprotector,
  type MpBehaviour,
  startFakeMailprotector,
} from '../../src/sandbox/fake-mailprotector.js';
import { MailprotectorUsageSource } from '../../src/usage/mailprotector.js';
import { describeMailprotectorShapes, type EndpointShape } from '../../src/usage/mailprotector-shapes.js';
import { generateScenario } from '../support/scenario.js';

let fake: FakeMailprotector | undefined;
let source: MailprotectorUsageSource | undefined;
afterEach(async () => {
  await source?.close();
  await fake?.close();
  source = fake = undefined;
});

async function shapes(behaviour: Partial<MpBehaviour> = {}, key?: string, setup?: (f: FakeMailprotector) => void) {
  const { world } = generateScenario({
    customers: 30,
    userGroupsPerCustomer: 2,
    services: 2,
    drift: 0,
    missing: 0,
    seed: 8,
  });
  fake = await startFakeMailprotector(world.mp, { behaviour });
  setup?.(fake);
  source = new MailprotectorUsageSource(
    { url: fake.apiBase, apiKey: { env: 'X' }, reseller: 343, requestsPerSecond: 1000, concurrency: 2 },
    key ?? world.mp.apiKey,
    undefined,
    { baseDelayMs: 1 },
  );
  return { result: await describeMailprotectorShapes(source), fake, world };
}

const ids = (lines: string[]) => lines.map((l) => l.split(':')[0]);
const byEndpoint = (result: EndpointShape[]) => Object.fromEntries(result.map((e) => [e.endpoint, e]));

describe('describeMailprotectorShapes', () => {
  it('describes one answer of each endpoint by structure and confirms the assumptions it bears out', async () => {
    const { result, fake, world } = await shapes();
    expect(result.map((e) => e.endpoint)).toEqual([
      'GET /resellers/{id}/customers',
      'GET /resellers/{id}/domains',
      'GET /customers/{id}/domains',
      'GET /domains/{id}/user_groups',
      'GET /user_groups/{id}/services',
      'GET /user_groups/{id}/users',
    ]);
    expect(result.every((e) => e.differs.length === 0)).toBe(true);
    const e = byEndpoint(result);
    expect(e['GET /resellers/{id}/customers']).toEqual({
      endpoint: 'GET /resellers/{id}/customers',
      shape: expect.stringMatching(
        /^HTTP 200 application\/json, \d+ bytes: list of 25 objects \{id: number, name: string, provider: object \{id: number, name: string\}, reseller: object \{id: number, name: string\}, created_at: string, updated_at: string\}$/,
      ),
      headers: [
        'content-type: application/json',
        'x-pagination object {page: number, per_page: number, total: number, total_pages: number, last_page: boolean, next_page: number, out_of_range: boolean}',
      ],
      confirms: expect.any(Array),
      differs: [],
    });
    expect(ids(e['GET /resellers/{id}/customers']!.confirms)).toEqual([
      'auth',
      'list',
      'ids',
      'customer',
      'x-pagination',
      'per-page',
      'no-link',
    ]);
    expect(ids(e['GET /domains/{id}/user_groups']!.confirms)).toContain('user-group');
    expect(ids(e['GET /user_groups/{id}/services']!.confirms)).toEqual(['services-list']);
    // One request per endpoint, and never a value: no name, id or count of the world appears.
    expect(ids(e['GET /user_groups/{id}/users']!.confirms)).toEqual(['user-count']);
    expect(fake.requests).toHaveLength(6);
    const text = JSON.stringify(result);
    for (const needle of [world.mp.customers[0]!.name, 'customer1.example', 'CloudFilter', 'sandbox-mp-key', '10001'])
      expect(text).not.toContain(needle);
  });

  it('marks the one-object services form DIFFERS, naming the add-ons it cannot show', async () => {
    const { result } = await shapes({ services: 'object' });
    const services = byEndpoint(result)['GET /user_groups/{id}/services']!;
    expect(services.confirms).toEqual([]);
    expect(services.differs).toEqual([
      'services-object: the services came as one object, which shows one service, so the add-ons a group may carry (Bracket, XtraMail, SecureStore) cannot be seen: every plan warns naming those groups, and a binding that bills an add-on is an error',
    ]);
  });

  it.each<[MpBehaviour['services'], string]>([
    ['list', 'services-list'],
    ['put-form', 'services-put-form'],
    ['service-types', 'services-put-form'],
  ])('names the services form %s as %s', async (services, id) => {
    const { result } = await shapes({ services });
    expect(ids(byEndpoint(result)['GET /user_groups/{id}/services']!.confirms)).toEqual([id]);
  });

  it('reports what differs: no X-Pagination, Link headers, a page size other than asked', async () => {
    const { result } = await shapes({ pagingHeaders: 'link', fixedPageSize: 40 });
    const customers = byEndpoint(result)['GET /resellers/{id}/customers']!;
    expect(customers.headers).toEqual(['content-type: application/json', 'link']);
    expect(ids(customers.differs)).toEqual(['x-pagination', 'per-page', 'no-link']);
    expect(customers.differs[0]).toContain('no X-Pagination header; cwsync reads page by page');
  });

  it('reports an answer it cannot read, and carries on with the endpoints it can', async () => {
    const { result } = await shapes({}, undefined, (f) => f.faults.push(answerFault('html', /\/services$/)));
    const services = byEndpoint(result)['GET /user_groups/{id}/services']!;
    expect(services.shape).toBe('HTTP 200 text/html, 99 bytes: a body that is not JSON');
    expect(services.differs).toEqual([
      'services: this answer is neither a list nor an object, none of the three evidenced forms (services-object, services-list, services-put-form), so cwsync fails this call',
    ]);
    expect(result.slice(0, 4).every((e) => e.differs.length === 0)).toBe(true);
  });

  it('reports HTTP failures by status, never throwing', async () => {
    const { result } = await shapes({}, 'wrong-key');
    expect(result.map((e) => [e.shape, e.differs])).toEqual([
      ['HTTP 401', ['the API key was refused']],
      ['HTTP 401', ['the API key was refused']],
      ['not read: no customer list to start from', []],
      ['not read: no domain list to start from', []],
      ['not read: no user-group list to start from', []],
      ['not read: no user-group list to start from', []],
    ]);
  });

  it('marks user_count DIFFERS when a group holds aliases (which types it counts is undocumented), naming types only', async () => {
    const { result, world } = await shapes({ aliasUsers: 2 });
    const users = byEndpoint(result)['GET /user_groups/{id}/users']!;
    expect(users.confirms).toEqual([]);
    expect(users.differs).toEqual([
      "user-count: this group's users include Alias: whether user_count counts them, and whether Mailprotector bills them, is undocumented; cwsync bills user_count as reported, so compare this group's user_count with its line on your Mailprotector invoice",
    ]);
    expect(users.shape).toMatch(
      /^HTTP 200 application\/json, \d+ bytes: list of \d+ objects \{id: number, name: string, parent: null, user_type: object/,
    );
    const text = JSON.stringify(users);
    for (const needle of ['user0', 'alias0', '@', world.mp.customers[0]!.name]) expect(text).not.toContain(needle);
  });
});
