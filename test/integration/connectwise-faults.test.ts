/**
 * Issue 14 over real HTTP: each way a ConnectWise answer was found to mislead the client, made
 * by a switch of the fake server, and what the client must do instead: throw an error naming
 * the call and what came back (never its content), and never answer [] or a partial list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectWiseClient } from '../../src/connectwise/client.js';
import { NotUnderstood, PagingError } from '../../src/errors.js';
import { mayHaveLanded, NetworkError } from '../../src/http/errors.js';
import { type BrokenBody, type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import type { CwWorld } from '../../src/sandbox/world.js';
import { fakeClock } from '../helpers/clock.js';
import { clientFor, worldWithCompanies } from '../helpers/cw.js';

let fake: FakeConnectWise | undefined;
let client: ConnectWiseClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = client = undefined;
});

const ADDITIONS_PATH = '/v4_6_release/apis/3.0/finance/agreements/1234/additions';
const NEW = { product: { id: 752 }, quantity: 5, billCustomer: 'Billable', effectiveDate: '2026-12-01T00:00:00Z' };

/** One company, agreement 1234 with `count` additions of product 752, and `agreements` more empty agreements. */
function billingWorld(count: number, agreements = 0): CwWorld {
  const world = worldWithCompanies(1);
  world.catalog.push({ id: 752, identifier: 'MP-CF', description: 'CF', inactiveFlag: false, price: 3, cost: 1 });
  for (let a = 0; a <= agreements; a++)
    world.agreements.push({
      id: 1234 + a,
      name: `Email ${a}`,
      companyId: 1,
      agreementStatus: 'Active',
      cancelledFlag: false,
    });
  for (let i = 0; i < count; i++)
    world.additions.push({
      id: 5000 + i,
      agreementId: 1234,
      productId: 752,
      quantity: i + 1,
      unitPrice: 3,
      unitCost: 1,
      billCustomer: 'Billable',
      effectiveDate: '2026-01-01T00:00:00Z',
      cancelledDate: null,
      description: 'CF',
    });
  return world;
}

async function start(world: CwWorld, options: Parameters<typeof clientFor>[3] = {}) {
  fake = await startFakeConnectWise(world);
  client = clientFor(world, { url: fake.apiBase }, {}, options);
  return { fake, client };
}

const caught = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: undefined, error }),
  );

describe('a 200 whose body is not a list of additions is an error of that call, never "no additions"', () => {
  it.each<[BrokenBody, RegExp]>([
    ['html', /expected a JSON list of additions; got HTTP 200 text\/html, \d+ bytes: a body that is not JSON$/],
    [
      'object',
      /expected a JSON list of additions; got HTTP 200 application\/json, \d+ bytes: object \{items: list of 3 objects/,
    ],
    ['null', /expected a JSON list of additions; got HTTP 200 application\/json, 4 bytes: null$/],
    ['empty', /expected a JSON list of additions; got HTTP 200 application\/json, 0 bytes: an empty body$/],
    [
      'truncated',
      /expected a JSON list of additions; got HTTP 200 application\/json, \d+ bytes: a body that is not JSON$/,
    ],
    [
      'missing-field',
      /expected a list of additions with id: integer, product\/id: integer, quantity: number; got HTTP 200 application\/json, \d+ bytes: list of 3 objects \{[^}]*\} \(item 1 product\/id is absent, expected integer\)$/,
    ],
  ])('%s', async (kind, expected) => {
    const { fake, client } = await start(billingWorld(3));
    fake.switches.brokenList = { kind, path: '/additions' };
    const { value, error } = await caught(client.additions(1234));
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(NotUnderstood);
    const message = (error as NotUnderstood).message;
    expect(message).toMatch(
      new RegExp(
        `^ConnectWise list additions of agreement 1234 \\(GET ${ADDITIONS_PATH}\\) answered with something cwsync does not understand: `,
      ),
    );
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/Please wait|<html|MP-CF|"quantity"/);
    expect((error as NotUnderstood).hint).toContain('cwsync doctor --shapes');
    // A read that failed this way is not retried (a 200 is an answer) and wrote nothing.
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200']);
  });

  it('a companies list answered with a proxy page fails the same way', async () => {
    const { fake, client } = await start(worldWithCompanies(5));
    fake.switches.brokenList = { kind: 'html' };
    await expect(client.companies(undefined)).rejects.toThrow(
      /^ConnectWise list companies \(GET \/v4_6_release\/apis\/3\.0\/company\/companies\) answered with something cwsync does not understand: expected a JSON list of companies; got HTTP 200 text\/html/,
    );
  });

  it('a connection cut mid-body is a network fault: retried, then read whole', async () => {
    const { fake, client } = await start(billingWorld(60));
    fake.switches.brokenList = { kind: 'cut-connection', times: 1 };
    const additions = await client.additions(1234);
    expect(additions).toHaveLength(60);
    expect(fake.requests).toHaveLength(2);
  });

  it('a connection cut mid-body every time ends in an error, not a partial list', async () => {
    const { fake, client } = await start(billingWorld(60), { maxAttempts: 3 });
    fake.switches.brokenList = { kind: 'cut-connection' };
    const { value, error } = await caught(client.additions(1234));
    expect(value).toBeUndefined();
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(
      /^ConnectWise list additions of agreement 1234 \(GET .*\) got no answer: /,
    );
    expect(fake.requests).toHaveLength(3);
  });
});

describe('paging always ends, and a loop or the cap is an error, never a truncation', () => {
  it('a server ignoring pageId (the first page again): stops at page 2', async () => {
    const { fake, client } = await start(worldWithCompanies(2600));
    fake.switches.paging = { kind: 'ignore-paging' };
    const err = (await client.companies(undefined).catch((e: unknown) => e)) as PagingError;
    expect(err).toBeInstanceOf(PagingError);
    expect(err.message).toBe(
      'ConnectWise list companies (GET /v4_6_release/apis/3.0/company/companies) did not page to an end: page 2 (after pageId 1000) repeats 1000 records already read: the server ignored pageId; stopped, nothing from it was used',
    );
    expect(fake.requests).toHaveLength(2);
  });

  it('a server ignoring page numbers as well as forward-only paging: stops at page 2 of the numbered read', async () => {
    const { fake, client } = await start(worldWithCompanies(2600));
    fake.switches.ignoreForwardOnly = true;
    fake.switches.paging = { kind: 'ignore-paging' };
    const err = (await client.companies(undefined).catch((e: unknown) => e)) as PagingError;
    expect(err).toBeInstanceOf(PagingError);
    expect(err.message).toContain('page 2 repeats page 1: the server ignored the page number');
    expect(fake.requests.map((r) => r.query.get('page'))).toEqual([null, '1', '2']);
  });

  it.each([
    ['repeat-page-id', 'the Link header of page 2 points back to pageId 1000, already read'],
    ['link-loop', 'the Link header of page 2 points back to pageId 1000, already read'],
  ] as const)('%s: a circular Link header', async (kind, reason) => {
    const { fake, client } = await start(worldWithCompanies(3600));
    fake.switches.paging = { kind };
    const err = (await client.companies(undefined).catch((e: unknown) => e)) as PagingError;
    expect(err).toBeInstanceOf(PagingError);
    expect(err.message).toContain(reason);
    expect(fake.requests).toHaveLength(2);
  });

  it('the page cap: an error naming the cap, after exactly that many pages', async () => {
    const { fake, client } = await start(worldWithCompanies(2600), { maxPages: 2 });
    const err = (await client.companies(undefined).catch((e: unknown) => e)) as PagingError;
    expect(err).toBeInstanceOf(PagingError);
    expect(err.message).toContain('stopped at the cap of 2 pages of 1000, so the list may go on');
    expect(fake.requests).toHaveLength(2);
  });
});

describe('writes whose outcome cannot be known', () => {
  it('a create that lands after the client gave up: unknown outcome, one POST, one addition in the end', async () => {
    const { fake, client } = await start(billingWorld(0));
    fake.switches.lateCreate = { landAfter: 1 };
    const err = await client.createAddition(1234, NEW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(mayHaveLanded(err)).toBe(true);
    // The read-back right after proves nothing: the create has not landed yet.
    await expect(client.additions(1234)).resolves.toEqual([]);
    expect(fake.pendingCreates()).toBe(1);
    // Then it lands; the next read sees it, once.
    await expect(client.additions(1234)).resolves.toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(fake.world.additions).toHaveLength(1);
  });

  it('a held create, answered by nothing until the client times out, lands when the fake is told', async () => {
    // A real wait: the transport's 200 ms deadline.
    const { fake, client } = await start(billingWorld(0), { timeoutMs: 200 });
    fake.switches.lateCreate = { hold: true, landAfter: 1000 };
    const err = await client.createAddition(1234, NEW).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/got no answer: timed out/);
    expect(fake.world.additions).toHaveLength(0);
    fake.landPendingCreates();
    expect(fake.world.additions).toHaveLength(1);
  });

  it.each(['html', 'empty', 'object'] as const)(
    'a create answered 201 with %s: applied, and the error says its outcome is unknown so it is read back',
    async (kind) => {
      const { fake, client } = await start(billingWorld(0));
      fake.switches.brokenWrite = { kind, method: 'POST' };
      const err = (await client.createAddition(1234, NEW).catch((e: unknown) => e)) as NotUnderstood;
      expect(err).toBeInstanceOf(NotUnderstood);
      expect(err.message).toMatch(
        /^ConnectWise create an addition on agreement 1234 \(POST .*\/agreements\/1234\/additions\) answered with something cwsync does not understand: expected (a JSON addition; got HTTP 201|an addition with id: integer, product\/id: integer, quantity: number; got HTTP 201 .* \(id is absent, expected integer.*\)$)/,
      );
      expect(mayHaveLanded(err)).toBe(true);
      expect(fake.world.additions).toHaveLength(1);
    },
  );

  it('an update answered 200 with a proxy page: applied, outcome unknown', async () => {
    const { fake, client } = await start(billingWorld(1));
    fake.switches.brokenWrite = { kind: 'html', method: 'PATCH' };
    const err = await client
      .patchAddition(1234, 5000, [{ op: 'replace', path: 'quantity', value: 9 }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotUnderstood);
    expect(mayHaveLanded(err)).toBe(true);
    expect(fake.world.additions[0]!.quantity).toBe(9);
  });
});

describe('throttling below the client rate', () => {
  it('a server allowing 3 requests a second: 40 agreements read completely, with few 429s', async () => {
    const clock = fakeClock();
    const world = billingWorld(2, 39);
    const { fake, client } = await start(world, { clock });
    fake.switches.rateLimit = { perSecond: 3, retryAfterSeconds: 1, now: clock.now };
    const lists = await Promise.all(Array.from({ length: 40 }, (_, i) => client.additions(1234 + i)));
    expect(lists.map((l) => l.length)).toEqual([2, ...Array(39).fill(0)]);
    const throttled = fake.requests.filter((r) => r.status === 429).length;
    expect(throttled).toBe(client.transport.stats.throttled);
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThanOrEqual(6);
    expect(fake.requests.filter((r) => r.status === 200)).toHaveLength(40);
  });
});
