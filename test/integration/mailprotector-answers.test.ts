/**
 * The Mailprotector adapter over real HTTP against every evidenced shape of a group's
 * services, and against answers that are not what was asked for: the exact snapshot, or an
 * error naming the call and describing what came back without quoting it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotUnderstood } from '../../src/errors.js';
import {
  answerFault,
  type FakeMailprotector,
  type MpBehaviour,
  startFakeMailprotector,
} from '../../src/sandbox/fake-mailprotector.js';
import type { MpWorld } from '../../src/sandbox/world.js';
import { MailprotectorUsageSource } from '../../src/usage/mailprotector.js';
import type { ReadProgress } from '../../src/usage/types.js';

let fake: FakeMailprotector | undefined;
let source: MailprotectorUsageSource | undefined;
afterEach(async () => {
  await source?.close();
  await fake?.close();
  source = fake = undefined;
});

async function start(world: MpWorld, behaviour: Partial<MpBehaviour> = {}) {
  fake = await startFakeMailprotector(world, { behaviour });
  source = new MailprotectorUsageSource(
    { url: fake.apiBase, apiKey: { env: 'X' }, reseller: 343, requestsPerSecond: 1000, concurrency: 2 },
    world.apiKey,
    undefined,
    { baseDelayMs: 1 },
  );
  return { fake, source };
}

/** Contoso: Staff (12 users: CloudFilter + SafeSend + an unknown service), Board (3: Bracket), Empty (0: none). */
function contoso(): MpWorld {
  return {
    apiKey: 'k',
    resellerId: 343,
    customers: [{ id: 1, name: 'Contoso', resellerId: 343 }],
    domains: [{ id: 2, name: 'contoso.com', customerId: 1, parentId: null }],
    userGroups: [
      { id: 3, name: 'Staff', domainId: 2, userCount: 12 },
      { id: 4, name: 'Board', domainId: 2, userCount: 3 },
      { id: 5, name: 'Empty', domainId: 2, userCount: 0 },
    ],
    services: [
      { id: 6, userGroupId: 3, serviceType: 'CloudFilter Email Security' },
      { id: 7, userGroupId: 3, serviceType: 'SafeSend Outbound' },
      { id: 8, userGroupId: 3, serviceType: 'Quantum Shield' },
      { id: 9, userGroupId: 4, serviceType: 'Bracket' },
    ],
  };
}

describe("a user group's services in each evidenced shape", () => {
  it.each<[MpBehaviour['services'], string]>([
    ['list', 'Quantum Shield'],
    ['data', 'Quantum Shield'],
    ['put-form', 'quantum_shield'],
    ['service-types', 'quantum_shield'],
  ])('%s: every service, canonical names, unknown ones kept as reported', async (services, unknown) => {
    const { source } = await start(contoso(), { services });
    const snapshot = await source.read();
    expect(snapshot.customers[0]!.userGroups).toEqual([
      { name: 'Board', users: 3, services: ['Bracket'] },
      { name: 'Empty', users: 0, services: [] },
      { name: 'Staff', users: 12, services: ['CloudFilter', 'SafeSend', unknown].sort() },
    ]);
  });

  it('object: one service object per group (the shape the SDK types), the add-ons it cannot show marked', async () => {
    const world = contoso();
    world.services = world.services.filter((s) => s.id !== 7 && s.id !== 8);
    const { fake, source } = await start(world, { services: 'object' });
    const served = await fetch(`${fake.apiBase}/user_groups/3/services`, { headers: { authorization: 'Bearer k' } });
    expect(await served.json()).toMatchObject({ service_type: 'CloudFilter Email Security' });
    const snapshot = await source.read();
    // Board shows Bracket (its only service); a group without users has nothing to go unbilled.
    expect(snapshot.customers[0]!.userGroups).toEqual([
      { name: 'Board', users: 3, services: ['Bracket'], servicesNotShown: ['SecureStore', 'XtraMail'] },
      { name: 'Empty', users: 0, services: [] },
      { name: 'Staff', users: 12, services: ['CloudFilter'], servicesNotShown: ['Bracket', 'SecureStore', 'XtraMail'] },
    ]);
  });

  it('object with an add-on: the group named "CloudMail with Bracket" shows CloudFilter only, Bracket marked not shown', async () => {
    const world = contoso();
    world.userGroups[0]!.name = 'CloudMail with Bracket';
    world.services = [
      { id: 6, userGroupId: 3, serviceType: 'CloudFilter Email Security' },
      { id: 9, userGroupId: 3, serviceType: 'Bracket' },
    ];
    const { source } = await start(world, { services: 'object' });
    const group = (await source.read()).customers[0]!.userGroups.find((g) => g.name === 'CloudMail with Bracket');
    expect(group).toEqual({
      name: 'CloudMail with Bracket',
      users: 12,
      services: ['CloudFilter'],
      servicesNotShown: ['Bracket', 'SecureStore', 'XtraMail'],
    });
  });

  it('a group with users and no services is a warning, and the group stays in the snapshot', async () => {
    const world = contoso();
    world.services = world.services.filter((s) => s.userGroupId !== 4);
    const { source } = await start(world);
    const warnings: string[] = [];
    const snapshot = await source.read({ onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([
      'Mailprotector user group "Board" (id 4) of Contoso, domain contoso.com, has 3 users and no services, so they count towards no product; check its services in the Mailprotector console',
    ]);
    expect(snapshot.customers[0]!.userGroups.find((g) => g.name === 'Board')).toEqual({
      name: 'Board',
      users: 3,
      services: [],
    });
  });

  it('groups with the same services share one frozen list; a name holding a line break is not two names', async () => {
    const world = contoso();
    world.userGroups.push(
      { id: 30, name: 'Sales', domainId: 2, userCount: 5 },
      { id: 31, name: 'Odd', domainId: 2, userCount: 2 },
      { id: 32, name: 'Pair', domainId: 2, userCount: 1 },
    );
    world.services.push(
      { id: 33, userGroupId: 30, serviceType: 'SafeSend Outbound' },
      { id: 34, userGroupId: 30, serviceType: 'Quantum Shield' },
      { id: 35, userGroupId: 30, serviceType: 'CloudFilter' },
      { id: 36, userGroupId: 31, serviceType: 'Alpha\nBeta' },
      { id: 37, userGroupId: 32, serviceType: 'Alpha' },
      { id: 38, userGroupId: 32, serviceType: 'Beta' },
    );
    const { source } = await start(world);
    const groups = new Map((await source.read()).customers[0]!.userGroups.map((g) => [g.name, g.services]));
    expect(groups.get('Sales')).toEqual(['CloudFilter', 'Quantum Shield', 'SafeSend']);
    expect(groups.get('Sales')).toBe(groups.get('Staff'));
    expect(Object.isFrozen(groups.get('Staff'))).toBe(true);
    expect(groups.get('Odd')).toEqual(['Alpha\nBeta']);
    expect(groups.get('Pair')).toEqual(['Alpha', 'Beta']);
  });
});

describe('one count per user group, however many domains list it (SPEC §3)', () => {
  /** Contoso with a second domain and an alias of contoso.com. */
  function twoDomains(): MpWorld {
    const world = contoso();
    world.domains.push(
      { id: 20, name: 'contoso.org', customerId: 1, parentId: null },
      { id: 21, name: 'contoso.net', customerId: 1, parentId: 2 },
    );
    world.userGroups.push({ id: 22, name: 'Interns', domainId: 20, userCount: 4 });
    world.services.push({ id: 23, userGroupId: 22, serviceType: 'CloudFilter Email Security' });
    return world;
  }
  const counted = (snapshot: Awaited<ReturnType<MailprotectorUsageSource['read']>>) =>
    snapshot.customers[0]!.userGroups.map((g) => [g.name, g.users]);
  const once = [
    ['Board', 3],
    ['Empty', 0],
    ['Interns', 4],
    ['Staff', 12],
  ];

  it('the same group listed under two domains counts once', async () => {
    const { fake, source } = await start(twoDomains(), { alsoListed: [{ groupId: 3, domainId: 20 }] });
    const listed = await fetch(`${fake.apiBase}/domains/20/user_groups`, { headers: { authorization: 'Bearer k' } });
    expect(((await listed.json()) as Array<{ id: number }>).map((g) => g.id)).toEqual([22, 3]);
    expect(counted(await source.read())).toEqual(once);
    // Its services are read once too.
    expect(fake.requests.filter((r) => r.path.endsWith('/user_groups/3/services'))).toHaveLength(1);
  });

  it("an alias domain answered without parent (listing its parent's groups) adds no users", async () => {
    const { fake, source } = await start(twoDomains(), { aliasWithoutParent: true });
    const domains = await fetch(`${fake.apiBase}/customers/1/domains`, { headers: { authorization: 'Bearer k' } });
    expect((await domains.json()) as unknown[]).toContainEqual(expect.objectContaining({ id: 21, parent: null }));
    expect(counted(await source.read())).toEqual(once);
    expect(fake.requests.some((r) => r.path.endsWith('/domains/21/user_groups'))).toBe(true);
  });

  it('an alias domain with its parent is not read at all', async () => {
    const { fake, source } = await start(twoDomains());
    expect(counted(await source.read())).toEqual(once);
    expect(fake.requests.some((r) => r.path.endsWith('/domains/21/user_groups'))).toBe(false);
  });
});

describe('answers that are not what was asked for fail the read, naming the call', () => {
  const calls = {
    customers: [
      '/resellers/343/customers',
      'list customers of reseller 343 (GET /api/v1/resellers/343/customers?page=1&per_page=25)',
    ],
    domains: [
      '/customers/1/domains',
      'list domains of customer Contoso (GET /api/v1/customers/1/domains?page=1&per_page=25)',
    ],
    user_groups: [
      '/domains/2/user_groups',
      'list user groups of domain contoso.com (GET /api/v1/domains/2/user_groups?page=1&per_page=25)',
    ],
    services: [
      '/user_groups/3/services',
      'list services of user group 3 (domain contoso.com) (GET /api/v1/user_groups/3/services)',
    ],
  } as const;
  const bodies = {
    html: 'HTTP 200 text/html, 99 bytes: a body that is not JSON',
    truncated: 'HTTP 200 application/json, 34 bytes: a body that is not JSON',
    empty: 'HTTP 200 application/json, 0 bytes: an empty body',
    'json-null': 'HTTP 200 application/json, 4 bytes: null',
  } as const;
  const cases = Object.entries(calls).flatMap(([endpoint, [path, call]]) =>
    Object.entries(bodies).map(([kind, what]) => [endpoint, kind, path, call, what] as const),
  );

  it.each(cases)('%s answering %s', async (endpoint, kind, path, call, what) => {
    const { fake, source } = await start(contoso());
    fake.faults.push(answerFault(kind as keyof typeof bodies, new RegExp(`${path}$`)));
    const err = await source.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotUnderstood);
    const message = (err as Error).message;
    const head = `Mailprotector ${call} answered with something cwsync does not understand: expected a JSON list of ${endpoint === 'services' ? 'services' : ''}`;
    expect(message.slice(0, head.length)).toBe(head);
    expect(message).toContain(`; got ${what} (`);
    expect(message).not.toMatch(/Proxy login|Sign in|Customer 0/);
    expect((err as NotUnderstood).hint).toContain('cwsync doctor --shapes');
  });

  it.each<[string, unknown, string]>([
    ['an object instead of a list', { error: 'maintenance' }, 'object {error: string} (not a list)'],
    ['a list of strings', ['Contoso'], 'list of 1 string (record 1 is not an object)'],
    ['a record without an id', [{ name: 'Contoso' }], 'list of 1 object {name: string} (record 1 has no numeric id)'],
  ])('the customers list answering %s', async (_name, body, what) => {
    const { fake, source } = await start(contoso());
    fake.faults.push({ path: /\/customers$/, times: 1, status: 200, body });
    const bytes = Buffer.byteLength(JSON.stringify(body));
    await expect(source.read()).rejects.toThrow(
      `Mailprotector list customers of reseller 343 (GET /api/v1/resellers/343/customers?page=1&per_page=25) answered with something cwsync does not understand: expected a JSON list of customers {id: number, name: string}; got HTTP 200 application/json, ${bytes} bytes: ${what}`,
    );
  });

  it.each<[string, unknown, string]>([
    [
      'a group without user_count',
      [{ id: 3, name: 'Staff' }],
      'record 1 has no user_count that is a non-negative integer',
    ],
    ['a negative user_count', [{ id: 3, name: 'Staff', user_count: -4 }], 'record 1 has no user_count'],
  ])('the user-group list answering %s (never read as 0 users)', async (_name, body, why) => {
    const { fake, source } = await start(contoso());
    fake.faults.push({ path: /\/user_groups$/, times: 1, status: 200, body });
    await expect(source.read()).rejects.toThrow(why);
  });

  it.each<[string, unknown, string]>([
    ['an empty object', {}, 'an object with neither service_type nor hosting/addons'],
    ['an object with a numeric service_type', { service_type: 7 }, 'an object whose service_type is not a string'],
    ['a list of names', ['CloudFilter'], 'service 1 has no service_type string'],
    ['addons that are not strings', { hosting: null, addons: [{ id: 1 }] }, 'addons that are not a list of strings'],
  ])('the services answering %s (never read as "no services")', async (_name, body, why) => {
    const { fake, source } = await start(contoso());
    fake.faults.push({ path: /\/services$/, times: 1, status: 200, body });
    await expect(source.read()).rejects.toThrow(
      new RegExp(`; got HTTP 200 [^;]* \\(${why.replace(/[()/]/g, '\\$&')}\\)$`),
    );
  });
});

describe('the snapshot records when and how the read went', () => {
  it('capturedAt is when the read started, in UTC ISO seconds', async () => {
    const { source } = await start(contoso());
    const before = Math.floor(Date.now() / 1000) * 1000;
    const snapshot = await source.read();
    const after = Date.now();
    expect(snapshot.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const at = Date.parse(snapshot.capturedAt!);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
  });

  it('progress counts customers read in full, of those wanted, and every request', async () => {
    const world = contoso();
    world.customers.push({ id: 10, name: 'Fabrikam', resellerId: 343 });
    world.domains.push({ id: 11, name: 'fabrikam.com', customerId: 10, parentId: null });
    world.userGroups.push({ id: 12, name: 'All', domainId: 11, userCount: 5 });
    const { fake, source } = await start(world);
    const seen: ReadProgress[] = [];
    await source.read({ onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ done: 2, total: 2, requests: fake.requests.length });
    expect(seen.map((p) => p.done)).toEqual([...seen.map((p) => p.done)].sort((a, b) => a - b));
    expect(seen.map((p) => p.requests)).toEqual([...seen.map((p) => p.requests)].sort((a, b) => a - b));
  });
});
