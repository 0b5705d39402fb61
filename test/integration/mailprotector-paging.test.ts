/**
 * The Mailprotector adapter over real HTTP against every paging behaviour of the fake: the
 * exact snapshot, or an error naming the call. Never a silently shorter list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PagingError } from '../../src/errors.js';
import {
  type FakeMailprotector,
  type MpBehaviour,
  startFakeMailprotector,
} from '../../src/sandbox/fake-mailprotector.js';
import type { MpWorld } from '../../src/sandbox/world.js';
import { MailprotectorUsageSource } from '../../src/usage/mailprotector.js';
import { canonicalService } from '../../src/usage/mailprotector-services.js';
import type { UsageSnapshot } from '../../src/usage/types.js';
import { sortSnapshot } from '../../src/usage/types.js';
import { generateScenario } from '../support/scenario.js';

let fake: FakeMailprotector | undefined;
let source: MailprotectorUsageSource | undefined;
afterEach(async () => {
  await source?.close();
  await fake?.close();
  source = fake = undefined;
});

async function start(world: MpWorld, behaviour: Partial<MpBehaviour>) {
  fake = await startFakeMailprotector(world, { behaviour });
  source = new MailprotectorUsageSource(
    { url: fake.apiBase, apiKey: { env: 'X' }, reseller: world.resellerId, requestsPerSecond: 1000, concurrency: 4 },
    world.apiKey,
    undefined,
    { baseDelayMs: 1 },
  );
  return { fake, source };
}

/** What the adapter must read from a world, computed from the world itself. */
function expectedSnapshot(world: MpWorld): UsageSnapshot {
  const owner = new Map(world.domains.filter((d) => d.parentId === null).map((d) => [d.id, d.customerId]));
  return sortSnapshot({
    formatVersion: 1,
    customers: world.customers.map((c) => ({
      id: c.id,
      name: c.name,
      userGroups: world.userGroups
        .filter((g) => owner.get(g.domainId) === c.id)
        .map((g) => ({
          name: g.name,
          users: g.userCount,
          services: [
            ...new Set(
              world.services
                .filter((s) => s.userGroupId === g.id)
                .map((s) => canonicalService(s.serviceType) ?? s.serviceType),
            ),
          ],
        })),
    })),
  });
}

/**
 * 50 customers (2 pages of 25 exactly), 100 domains with aliases (4 exactly), and one domain
 * with 50 user groups: every list ends exactly on a full page, so what the server answers past
 * the end is always asked.
 */
function world(customers = 50): MpWorld {
  const { world: w } = generateScenario({
    customers,
    userGroupsPerCustomer: 1,
    services: 3,
    drift: 0,
    missing: 0,
    seed: 4,
  });
  const domain = w.mp.domains.find((d) => d.parentId === null)!;
  for (let i = 0; i < 49; i++)
    w.mp.userGroups.push({
      id: 500_000 + i,
      name: `Extra ${String(i).padStart(2, '0')}`,
      domainId: domain.id,
      userCount: i + 1,
    });
  return w.mp;
}

const customerPages = (f: FakeMailprotector) =>
  f.requests.filter((r) => r.path.endsWith('/resellers/343/customers')).length;

describe('Mailprotector paging: the exact snapshot under every way a list may end', () => {
  it.each<[string, Partial<MpBehaviour>, number]>([
    // The last page is full, so one request more proves the figures do not understate the list.
    ['X-Pagination naming the page count (the evidenced default)', {}, 3],
    ['X-Pagination, a server that would answer the last page again past the end', { pastTheEnd: 'last-again' }, 3],
    ['no paging headers, an empty page past the end', { pagingHeaders: 'none' }, 3],
    ['no paging headers, the last page again past the end', { pagingHeaders: 'none', pastTheEnd: 'last-again' }, 3],
    [
      'X-Pagination without totals, out_of_range past the end',
      { pagingHeaders: 'x-pagination-no-totals', pastTheEnd: 'out-of-range' },
      3,
    ],
    ['Link headers only (ignored)', { pagingHeaders: 'link' }, 3],
    [
      'circular Link headers, the last page again past the end',
      { pagingHeaders: 'none', circularLinks: true, pastTheEnd: 'last-again' },
      3,
    ],
    ['pages of 40 whatever per_page asks, no headers', { pagingHeaders: 'none', fixedPageSize: 40 }, 3],
    ['pages of 10 whatever per_page asks, no headers', { pagingHeaders: 'none', fixedPageSize: 10 }, 6],
    ['pages of 10 whatever per_page asks, X-Pagination', { fixedPageSize: 10 }, 6],
  ])('%s', async (_name, behaviour, pages) => {
    const w = world();
    const { fake, source } = await start(w, behaviour);
    const { capturedAt, ...snapshot } = await source.read();
    expect(snapshot).toEqual(expectedSnapshot(w));
    expect(snapshot.customers.flatMap((c) => c.userGroups)).toHaveLength(50 + 49);
    expect(customerPages(fake)).toBe(pages);
  });

  it('a server that ignores `page` is read exactly while every list fits one page', async () => {
    const w = world(10);
    w.userGroups = w.userGroups.filter((g) => g.id < 500_000);
    const { source } = await start(w, { ignorePage: true });
    const { capturedAt, ...snapshot } = await source.read();
    expect(snapshot).toEqual(expectedSnapshot(w));
  });

  it.each<[string, Partial<MpBehaviour>, string]>([
    [
      'ignores `page`, with X-Pagination',
      { ignorePage: true },
      'Mailprotector list customers of reseller 343 (GET /api/v1/resellers/343/customers?page=2&per_page=25) did not page to an end: page 2 repeats page 1: the server seems to ignore `page`, so the list cannot be read whole',
    ],
    [
      'ignores `page`, no headers',
      { ignorePage: true, pagingHeaders: 'none' },
      "Mailprotector list customers of reseller 343 (GET /api/v1/resellers/343/customers?page=2&per_page=25) did not page to an end: page 2 repeats page 1, and page=2&per_page=1 did not answer page 1's second record: the server ignores paging, so cwsync cannot tell whether page 1 (25 records) is the whole list",
    ],
    [
      'answers 404 past the end, no headers, right after a full page',
      { pagingHeaders: 'none', pastTheEnd: '404' },
      'Mailprotector list customers of reseller 343 (GET /api/v1/resellers/343/customers?page=3&per_page=25) did not page to an end: page 3 answered 404 right after a full page 2 (25 records): a 404 there may hide the rest of the list, so it is not taken as its end',
    ],
    [
      'wraps round to page 1 past the end, no headers',
      { pastTheEnd: 'first-again', pagingHeaders: 'none' },
      "Mailprotector list customers of reseller 343 (GET /api/v1/resellers/343/customers?page=3&per_page=25) did not page to an end: page 3 repeats page 1: the server's paging goes round in a circle",
    ],
  ])('a server that %s fails loudly, naming the call', async (_name, behaviour, message) => {
    const { source } = await start(world(), behaviour);
    const err = await source.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagingError);
    expect((err as Error).message).toBe(message);
  });
});
