/**
 * Issue 18's variant matrix, ConnectWise side: every answer the vendor evidence allows, switched
 * on in the fake over real HTTP. Lists are read by the adapter (records read vs present); writes
 * go through the real pipeline in process (gather, buildPlan, applyPlan over ConnectWiseTarget).
 * Each row ends right or in a named error: zero silent rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configDigest } from '../../src/config/digest.js';
import { loadConfig } from '../../src/config/load.js';
import type { ConnectWiseClient } from '../../src/connectwise/client.js';
import { ConnectWiseTarget } from '../../src/connectwise/target.js';
import { PagingError } from '../../src/http/errors.js';
import { applyPlan } from '../../src/reconcile/apply.js';
import { gather } from '../../src/reconcile/gather.js';
import { buildPlan } from '../../src/reconcile/plan.js';
import { type CwSwitches, type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import { type CwWorld, emptyCwWorld } from '../../src/sandbox/world.js';
import { FileUsageSource } from '../../src/usage/file-source.js';
import { writeConfig } from '../helpers/config.js';
import { clientFor, worldWithCompanies } from '../helpers/cw.js';
import { tempDir } from '../helpers/temp.js';

let fake: FakeConnectWise | undefined;
let client: ConnectWiseClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = undefined;
  client = undefined;
});

async function serve(world: CwWorld, switches: CwSwitches, maxBodyBytes?: number) {
  fake = await startFakeConnectWise(world, { switches });
  client = clientFor(world, { url: fake.apiBase }, {}, maxBodyBytes ? { maxBodyBytes } : {});
  return { fake, client };
}

describe('paging variants: every record read, or a named error', () => {
  it.each<[string, number, CwSwitches]>([
    ['pages capped at 500 with a next link', 1200, { pageCap: 500 }],
    ['a forward-only Link without rel', 1500, { forwardLink: 'no-rel' }],
    ['a full last page without a link (the count confirms it)', 2000, {}],
  ])('%s: all %i records present are read', async (_name, present, switches) => {
    const { client } = await serve(worldWithCompanies(present), switches);
    const rows = await client.companies(undefined);
    expect(rows).toHaveLength(present);
    expect(new Set(rows.map((r) => r.id)).size).toBe(present);
  });

  it('a list that ends on a full page without a link while records follow: PagingError naming the count, nothing used', async () => {
    const { fake, client } = await serve(worldWithCompanies(1500), { endLinkAfterPages: 1 });
    const err = await client.companies(undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagingError);
    expect((err as Error).message).toContain('/count says 1500 records where 1000 were read');
    expect(fake.requests.at(-1)!.path).toMatch(/\/company\/companies\/count$/);
  });

  it('a capped page without a next link ends the list only because nothing follows: read 300 of 300', async () => {
    const { client } = await serve(worldWithCompanies(300), { pageCap: 500 });
    await expect(client.companies(undefined)).resolves.toHaveLength(300);
  });
});

/** One customer bound to one agreement holding CloudFilter x5; usage says 7; SafeSend (9) has no line yet. */
function billingWorld(status: CwWorld['agreements'][number]['agreementStatus'] = 'Active'): CwWorld {
  return emptyCwWorld({
    companies: [{ id: 1, identifier: 'CONTOSO', name: 'Contoso Ltd', deletedFlag: false }],
    agreements: [{ id: 10, name: 'Email Security', companyId: 1, agreementStatus: status, cancelledFlag: false }],
    catalog: [
      { id: 752, identifier: 'MP-CLOUDFILTER', description: 'CloudFilter', inactiveFlag: false, price: 3, cost: 1 },
      { id: 753, identifier: 'MP-SAFESEND', description: 'SafeSend', inactiveFlag: false, price: 2, cost: 1 },
    ],
    additions: [
      {
        id: 500,
        agreementId: 10,
        productId: 752,
        quantity: 5,
        unitPrice: 3,
        unitCost: 1,
        billCustomer: 'Billable',
        effectiveDate: '2026-01-01T00:00:00Z',
        cancelledDate: null,
        description: 'CloudFilter',
      },
    ],
  });
}

/** Usage of the default rows: CloudFilter 7 (an update from 5), SafeSend 2 (a create). */
const USAGE = [
  { name: 'Staff', users: 7, services: ['CloudFilter'] },
  { name: 'Sales', users: 2, services: ['SafeSend'] },
];

async function planAndApply(
  world: CwWorld,
  switches: CwSwitches,
  maxBodyBytes?: number,
  run: { userGroups?: typeof USAGE; policy?: string; force?: boolean } = {},
) {
  const { fake, client } = await serve(world, switches, maxBodyBytes);
  const dir = tempDir('cwsync-variants-');
  writeConfig(dir, {
    cwUrl: fake.apiBase,
    usageFile: 'usage.json',
    customers: 'customers:\n  - customer: Contoso Ltd\n    company: CONTOSO\n    agreement: Email Security\n',
    policy: run.policy ?? 'policy:\n  safety:\n    maxChangePercent: 100\n',
  });
  writeFileSync(
    join(dir, 'usage.json'),
    JSON.stringify({
      formatVersion: 1,
      customers: [
        {
          id: 7,
          name: 'Contoso Ltd',
          userGroups: run.userGroups ?? USAGE,
        },
      ],
    }),
  );
  const config = loadConfig(dir).config!;
  const target = new ConnectWiseTarget(client, { agreementStatuses: config.policy.agreementStatuses });
  const now = new Date('2026-12-02T12:00:00Z');
  const input = await gather(config, {
    target,
    usage: new FileUsageSource(dir, 'usage.json'),
    usageKind: 'file',
    now,
    source: { commit: null, dirty: true, config: configDigest(config) },
    concurrency: 2,
  });
  const plan = buildPlan(input);
  const writesBefore = fake.requests.length;
  const report = await applyPlan(target, plan, config.policy, {
    now,
    concurrency: 1,
    force: run.force ?? false,
    actor: null,
  });
  const writes = fake.requests.slice(writesBefore).filter((r) => r.method !== 'GET');
  const open = (product: number) => world.additions.filter((a) => a.productId === product && !a.cancelledDate);
  const result = (product: string) => report.results.find((r) => r.product.identifier === product);
  return { plan, report, writes, open, result };
}

describe('write variants over the real pipeline: applied only when the answer (or a read-back) says so', () => {
  it('PATCH answered 200 with the old value: unknown (named), never applied; one retry after the read-back', async () => {
    const run = await planAndApply(billingWorld(), { falsePatch: {} });
    const cf = run.result('MP-CLOUDFILTER')!;
    expect(cf.status).toBe('unknown');
    expect(cf.error).toContain('quantity 5, not 7');
    expect(run.open(752).map((a) => a.quantity)).toEqual([5]);
    expect(run.writes.filter((w) => w.method === 'PATCH')).toHaveLength(2);
    expect(run.report.summary.unknown).toBe(1);
  });

  /** CloudFilter's users gone, onZero cancel: the line of 5 is cancelled (forced: a 100 % decrease is held). */
  const cancelRun = {
    userGroups: [{ name: 'Sales', users: 2, services: ['SafeSend'] }],
    policy: 'policy:\n  onZero: cancel\n  safety:\n    maxChangePercent: 100\n',
    force: true,
  };

  it('a cancel answered 200 without cancelledDate, having landed: unknown until read back, then applied; sent once', async () => {
    const run = await planAndApply(
      billingWorld(),
      { writeOmits: { method: 'PATCH', fields: ['cancelledDate'] } },
      undefined,
      cancelRun,
    );
    // Held as a 100 % decrease, applied because the run is forced.
    expect(run.plan.held.map((a) => [a.action, a.product.identifier])).toEqual([['cancel', 'MP-CLOUDFILTER']]);
    const cf = run.result('MP-CLOUDFILTER')!;
    expect(cf.status).toBe('applied');
    expect(cf.note).toContain('confirmed by reading it back');
    expect(run.writes.filter((w) => w.method === 'PATCH')).toHaveLength(1);
    expect(run.open(752)).toEqual([]);
  });

  it('a cancel answered 200 without cancelledDate, not applied (a false 200): unknown (named), never applied', async () => {
    const run = await planAndApply(billingWorld(), { falsePatch: {} }, undefined, cancelRun);
    const cf = run.result('MP-CLOUDFILTER')!;
    expect(cf.status).toBe('unknown');
    expect(cf.error).toContain('cancelled date none, not ');
    expect(run.open(752).map((a) => a.quantity)).toEqual([5]);
    expect(run.report.summary.unknown).toBe(1);
  });

  it('POST answered with a redirect after it landed: applied, confirmed by reading back, sent once', async () => {
    const run = await planAndApply(billingWorld(), { redirectWrite: { method: 'POST' } });
    const ss = run.result('MP-SAFESEND')!;
    expect(ss.status).toBe('applied');
    expect(ss.note).toContain('confirmed by reading it back');
    expect(run.writes.filter((w) => w.method === 'POST')).toHaveLength(1);
    expect(run.open(753).map((a) => a.quantity)).toEqual([2]);
  });

  it('write answers too large to read (POST and PATCH): applied by read-back, each sent once', async () => {
    const run = await planAndApply(billingWorld(), { oversizedWrite: { bytes: 300_000 } }, 128 * 1024);
    expect(run.report.results.map((r) => [r.product.identifier, r.status])).toEqual(
      expect.arrayContaining([
        ['MP-CLOUDFILTER', 'applied'],
        ['MP-SAFESEND', 'applied'],
      ]),
    );
    expect(run.writes.map((w) => w.method).sort()).toEqual(['PATCH', 'POST']);
    expect(run.open(752).map((a) => a.quantity)).toEqual([7]);
    expect(run.open(753).map((a) => a.quantity)).toEqual([2]);
  });

  it('a create whose answer carries no unitPrice: the report says the price is unknown (the fake invents none)', async () => {
    const run = await planAndApply(billingWorld(), {});
    const ss = run.result('MP-SAFESEND')!;
    expect(ss.status).toBe('applied');
    expect(ss.resultUnitPrice).toBeNull();
    expect(ss.note).toContain('price the new line got is unknown');
  });

  it('a create priced by ConnectWise: the report carries the price the line got', async () => {
    const run = await planAndApply(billingWorld(), { priceOnCreate: true });
    expect(run.result('MP-SAFESEND')!.resultUnitPrice).toBe(2);
  });

  it.each(['Expired', 'Inactive'] as const)(
    'an %s agreement: an error of its binding naming the status, no write',
    async (status) => {
      const run = await planAndApply(billingWorld(status), {});
      expect(run.plan.errors).toEqual([
        expect.objectContaining({ customer: 'Contoso Ltd', message: expect.stringContaining(`is ${status}`) }),
      ]);
      expect(run.plan.actions).toEqual([]);
      expect(run.writes).toEqual([]);
    },
  );
});
