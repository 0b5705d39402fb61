/** The Mailprotector adapter over real HTTP against the fake server. */
import { afterEach, describe, expect, it } from 'vitest';
import type { MailprotectorSettings } from '../../src/config/types.js';
import { HttpError } from '../../src/http/errors.js';
import { renderUsageText } from '../../src/render/usage.js';
import { type FakeMailprotector, startFakeMailprotector } from '../../src/sandbox/fake-mailprotector.js';
import type { MpWorld } from '../../src/sandbox/world.js';
import { MailprotectorUsageSource } from '../../src/usage/mailprotector.js';
import { MAILPROTECTOR_SERVICES } from '../../src/usage/mailprotector-services.js';
import { fakeClock } from '../helpers/clock.js';
import { generateScenario } from '../support/scenario.js';

let fake: FakeMailprotector | undefined;
let source: MailprotectorUsageSource | undefined;
afterEach(async () => {
  await source?.close();
  await fake?.close();
  source = fake = undefined;
});

const settings = (url: string, over: Partial<MailprotectorSettings> = {}): MailprotectorSettings => ({
  url,
  apiKey: { env: 'X' },
  reseller: 343,
  requestsPerSecond: 1000,
  concurrency: 4,
  ...over,
});

async function start(world: MpWorld, key = world.apiKey, over: Partial<MailprotectorSettings> = {}) {
  fake = await startFakeMailprotector(world);
  // Backoff and pacing wait on a virtual clock: no real sleeps.
  source = new MailprotectorUsageSource(settings(fake.apiBase, over), key, undefined, {
    baseDelayMs: 5,
    clock: fakeClock(),
  });
  return { fake, source };
}

/** Users per customer the world really has, counting each non-alias group once. */
function expectedUsers(world: MpWorld): Map<number, number> {
  const domainOwner = new Map(world.domains.filter((d) => d.parentId === null).map((d) => [d.id, d.customerId]));
  const out = new Map<number, number>();
  for (const g of world.userGroups) {
    const owner = domainOwner.get(g.domainId);
    if (owner !== undefined) out.set(owner, (out.get(owner) ?? 0) + g.userCount);
  }
  return out;
}

describe('Mailprotector usage source', () => {
  it('reads 300 customers over several pages, skipping domain aliases, in a pinned number of requests', async () => {
    const { world } = generateScenario({
      customers: 300,
      userGroupsPerCustomer: 2,
      services: 3,
      drift: 0,
      missing: 0,
      seed: 7,
    });
    // Give every alias a user group of its own: it must not be counted.
    for (const alias of world.mp.domains.filter((d) => d.parentId !== null))
      world.mp.userGroups.push({ id: 900_000 + alias.id, name: 'Alias group', domainId: alias.id, userCount: 1000 });
    const { fake, source } = await start(world.mp);
    const snapshot = await source.read();
    expect(snapshot.customers).toHaveLength(300);
    const want = expectedUsers(world.mp);
    for (const c of snapshot.customers) expect(c.userGroups.reduce((n, g) => n + g.users, 0)).toBe(want.get(c.id));
    expect(snapshot.customers.some((c) => c.userGroups.some((g) => g.name === 'Alias group'))).toBe(false);
    expect(snapshot.customers[0]!.userGroups[0]!.services).toContain('CloudFilter');
    // At 25 a page (per_page=25, the evidenced default), X-Pagination naming the page count:
    // 300/25 = 12 pages of customers + 600/25 = 24 pages of reseller domains (aliases included),
    // each list one page more because its last page is full (an understated total would hide
    // records there) + 300 user-group lists (one per non-alias domain) + 600 service lists.
    const count = (re: RegExp) => fake.requests.filter((r) => re.test(r.path)).length;
    expect(count(/\/customers$/)).toBe(13);
    expect(count(/\/resellers\/343\/domains$/)).toBe(25);
    expect(count(/\/user_groups$/)).toBe(300);
    expect(count(/\/services$/)).toBe(600);
    expect(fake.requests).toHaveLength(13 + 25 + 300 + 600);
    const lists = fake.requests.filter((r) => !r.path.endsWith('/services'));
    expect(lists.every((r) => r.query.get('per_page') === '25')).toBe(true);
    expect(fake.requests.every((r) => r.headers.authorization === 'Bearer sandbox-mp-key')).toBe(true);
  });

  it('reads only the customers asked for in full, per customer when that is cheaper', async () => {
    const { world } = generateScenario({
      customers: 120,
      userGroupsPerCustomer: 1,
      services: 2,
      drift: 0,
      missing: 0,
      seed: 3,
    });
    const { fake, source } = await start(world.mp);
    const snapshot = await source.read({ only: ['customer 00002', 10_005] });
    expect(snapshot.customers).toHaveLength(120);
    expect(snapshot.customers.filter((c) => c.userGroups.length > 0).map((c) => c.id)).toEqual([10_002, 10_005]);
    expect(fake.requests.map((r) => r.path.replace('/api/v1', ''))).toEqual(
      expect.arrayContaining(['/customers/10002/domains', '/customers/10005/domains']),
    );
    // 120/25 -> 5 pages of customers, then per wanted customer 1 domain page, 1 user-group list, 1 service list.
    expect(fake.requests).toHaveLength(5 + 2 + 2 + 2);
  });

  it('maps API names to canonical ones and keeps unknown services, which are reported', async () => {
    const world: MpWorld = {
      apiKey: 'k',
      resellerId: 343,
      customers: [{ id: 1, name: 'Contoso', resellerId: 343 }],
      domains: [{ id: 2, name: 'contoso.com', customerId: 1, parentId: null }],
      userGroups: [{ id: 3, name: 'Staff', domainId: 2, userCount: 12 }],
      services: [
        { id: 4, userGroupId: 3, serviceType: 'CloudFilter Email Security' },
        { id: 5, userGroupId: 3, serviceType: 'Quantum Shield' },
      ],
    };
    const { source } = await start(world);
    const snapshot = await source.read();
    expect(snapshot.customers[0]!.userGroups).toEqual([
      { name: 'Staff', users: 12, services: ['CloudFilter', 'Quantum Shield'] },
    ]);
    expect(renderUsageText(snapshot, source.label, MAILPROTECTOR_SERVICES)).toContain(
      'warning: Mailprotector reports service "Quantum Shield", which cwsync does not know (Contoso)',
    );
  });

  it('turns a 401 into a message that names the key setting', async () => {
    const { world } = generateScenario({
      customers: 1,
      userGroupsPerCustomer: 1,
      services: 1,
      drift: 0,
      missing: 0,
      seed: 1,
    });
    const { source } = await start(world.mp, 'wrong-key');
    const err = (await source.read().catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.message).toBe(
      'Mailprotector list customers of reseller 343 (GET /api/v1/resellers/343/customers) failed with HTTP 401 Unauthorized: Invalid or missing API key',
    );
    expect(err.hint).toBe(
      'check the API key usage.mailprotector.apiKey refers to (Console > your profile > View API Key)',
    );
    expect(err.message + err.hint).not.toContain('wrong-key');
  });

  it('survives 429s with Retry-After and drops, reading everything', async () => {
    const { world } = generateScenario({
      customers: 3,
      userGroupsPerCustomer: 2,
      services: 2,
      drift: 0,
      missing: 0,
      seed: 5,
    });
    const { fake, source } = await start(world.mp);
    fake.faults.push(
      {
        path: '/user_groups',
        times: 2,
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: 'Too Many Requests' },
      },
      { path: '/services', times: 1, drop: true },
    );
    const snapshot = await source.read();
    expect(snapshot.customers.flatMap((c) => c.userGroups)).toHaveLength(world.mp.userGroups.length);
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(2);
  });

  it('stays under the configured request rate (counted against an injected clock, never the wall clock)', async () => {
    const { world } = generateScenario({
      customers: 12,
      userGroupsPerCustomer: 2,
      services: 1,
      drift: 0,
      missing: 0,
      seed: 9,
    });
    // The client paces request starts by this clock and waits only virtually: a loaded machine
    // changes neither the pacing nor the time it adds up to.
    const clock = fakeClock();
    fake = await startFakeMailprotector(world.mp);
    source = new MailprotectorUsageSource(
      settings(fake.apiBase, { requestsPerSecond: 20, concurrency: 4 }),
      world.mp.apiKey,
      undefined,
      { baseDelayMs: 5, clock },
    );
    await source.read();
    const n = fake.requests.length;
    expect(n).toBeGreaterThan(30); // more than a second's worth
    // n requests at 20/s cannot span less than (n - 1) * 50 virtual ms.
    expect(clock.elapsed()).toBeGreaterThanOrEqual((n - 1) * 50);
  });
});
