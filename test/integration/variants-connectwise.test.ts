/**
 * Issue 18's variant matrix, ConnectWise side: every answer the vendor evidence allows, switched
 * on in the fake over real HTTP. Lists are read by the adapter (records read vs present); writes
 * go through the real pipeline in process (gather, buildPlan, applyPlan over ConnectWiseTarget).
 * Then every row again through the real CLI program (`cwsync snapshot` and `cwsync import`, which
 * read every company and agreement; `cwsync apply --yes`), run in process against the fake with
 * that switch and a real git repository of config: the exit code, the records read against those
 * present, the writes ConnectWise received, and the outcome (right, or the named error).
 * Each row ends right or in a named error: zero silent rows.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { configDigest } from '../../src/config/digest.js';
import { loadConfig } from '../../src/config/load.js';
import type { ConnectWiseClient } from '../../src/connectwise/client.js';
import { ConnectWiseTarget } from '../../src/connectwise/target.js';
import { PagingError } from '../../src/errors.js';
import { applyPlan } from '../../src/reconcile/apply.js';
import { gather } from '../../src/reconcile/gather.js';
import { buildPlan } from '../../src/reconcile/plan.js';
import { type CwSwitches, type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import { type CwWorld, emptyCwWorld } from '../../src/sandbox/world.js';
import { FileUsageSource } from '../../src/usage/file-source.js';
import { TEST_ENV, writeConfig } from '../helpers/config.js';
import { clientFor, worldWithCompanies } from '../helpers/cw.js';
import { runInProcess } from '../helpers/in-process.js';
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
  const config = loadConfig(dir, knownAdapters).config!;
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

// ---------------------------------------------------------------------------------------------
// The same rows through the real CLI program.

const git = promisify(execFile);

interface CliScene {
  fake: FakeConnectWise;
  repo: string;
  configDir: string;
  run(args: string[]): ReturnType<typeof runInProcess>;
  /** The requests that were not reads. */
  writes(): FakeConnectWise['requests'];
}

/**
 * The fake ConnectWise with `switches`, and a real git repository holding a config (committed):
 * usage from usage.json (`usage`: its customers), bindings as `customers` (customers.yaml's text).
 */
async function cliScene(
  world: CwWorld,
  switches: CwSwitches,
  o: { usage: unknown[]; customers: string; policy?: string },
): Promise<CliScene> {
  fake = await startFakeConnectWise(world, { switches });
  const served = fake;
  const repo = tempDir('cwsync-cw-variants-');
  const configDir = join(repo, 'config');
  writeConfig(configDir, {
    cwUrl: served.apiBase,
    usageFile: 'usage.json',
    customers: o.customers,
    policy: o.policy ?? 'policy:\n  safety:\n    maxChangePercent: 100\n',
  });
  writeFileSync(join(configDir, 'usage.json'), JSON.stringify({ formatVersion: 1, customers: o.usage }));
  const inRepo = (...args: string[]) => git('git', args, { cwd: repo });
  await inRepo('init', '-q');
  appendFileSync(
    join(repo, '.git/config'),
    '[user]\n\temail = admin@msp.example\n\tname = MSP Admin\n[commit]\n\tgpgsign = false\n',
  );
  await inRepo('add', '.');
  await inRepo('commit', '-qm', 'config');
  return {
    fake: served,
    repo,
    configDir,
    run: (args) => runInProcess(args, { cwd: repo, env: TEST_ENV }),
    writes: () => served.requests.filter((r) => r.method !== 'GET'),
  };
}

/**
 * `n` companies, each with one open agreement (both lists long), and two that matter placed at
 * the end, past the first page of 500 or 1,000: Contoso (bound; its agreement holds a line) and
 * Woodgrove (unbound; import must find it). A list read short misses both.
 */
function longWorld(n: number): CwWorld {
  const world = worldWithCompanies(n - 2);
  world.companies.push(
    { id: n - 1, identifier: 'WOODGROVE', name: 'Woodgrove Bank', deletedFlag: false },
    { id: n, identifier: 'CONTOSO', name: 'Contoso Ltd', deletedFlag: false },
  );
  for (const c of world.companies)
    world.agreements.push({
      id: 100_000 + c.id,
      name: 'Email Security',
      companyId: c.id,
      agreementStatus: 'Active',
      cancelledFlag: false,
    });
  const cw = billingWorld();
  world.catalog = cw.catalog;
  world.additions = cw.additions.map((a) => ({ ...a, agreementId: 100_000 + n }));
  return world;
}

const LONG_USAGE = [
  { id: 7, name: 'Contoso Ltd', userGroups: USAGE },
  { id: 8, name: 'Woodgrove Bank', userGroups: [{ name: 'Staff', users: 3, services: ['CloudFilter'] }] },
];
const CONTOSO_BOUND = 'customers:\n  - customer: Contoso Ltd\n    company: CONTOSO\n    agreement: Email Security\n';

/** GETs of a list's pages (not its /count). */
const pagesOf = (s: CliScene, list: string) =>
  s.fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith(list)).length;

/** The companies and agreements a snapshot file holds, and the agreements whose lines it holds. */
function snapshotRead(s: CliScene) {
  const snap = JSON.parse(readFileSync(join(s.repo, 'target.json'), 'utf8')) as {
    companies: Array<{ identifier: string }>;
    agreements: unknown[];
    additions: Array<{ agreementId: number; lines: unknown[] }>;
  };
  return {
    companies: snap.companies.length,
    agreements: snap.agreements.length,
    identifiers: new Set(snap.companies.map((c) => c.identifier)).size,
    lines: snap.additions.map((a) => [a.agreementId, a.lines.length]),
  };
}

/** The bindings import wrote (company and agreement of each), from its file under customers/. */
function imported(s: CliScene): string[] {
  const dir = join(s.configDir, 'customers');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) =>
    [
      ...readFileSync(join(dir, f), 'utf8').matchAll(
        /^ {2}- customer: (.+)\n {4}company: (\S+)\n {4}agreement: (.+)$/gm,
      ),
    ].map((m) => `${m[1]} -> ${m[2]} / ${m[3]}`),
  );
}

describe('paging variants through the CLI: snapshot and import read every company and agreement, or fail naming the call', () => {
  it.each<[string, number, CwSwitches, number]>([
    ['pages capped at 500 with a next link', 1200, { pageCap: 500 }, 3],
    ['a forward-only Link without rel', 1500, { forwardLink: 'no-rel' }, 2],
    ['a full last page without a link (the count confirms it)', 2000, {}, 2],
  ])(
    '%s: exit 0, all %i companies and agreements read, the two past the first page found, nothing written',
    async (_name, present, switches, pages) => {
      const s = await cliScene(longWorld(present), switches, { usage: LONG_USAGE, customers: CONTOSO_BOUND });
      const snap = await s.run(['snapshot', '--config', 'config', '--out', 'target.json']);
      expect(snap.stderr).toMatch(
        new RegExp(
          `^ConnectWise snapshot target\\.json: ${present} companies, ${present} agreements, 2 catalog items, the lines of 1 agreement; captured `,
        ),
      );
      expect(snap.code).toBe(0);
      // Read vs present: every company and agreement, each once; Contoso's (the last) lines captured.
      expect(snapshotRead(s)).toEqual({
        companies: present,
        agreements: present,
        identifiers: present,
        lines: [[100_000 + present, 1]],
      });
      expect(pagesOf(s, '/company/companies')).toBe(pages);
      expect(pagesOf(s, '/finance/agreements')).toBe(pages);
      const counted = s.fake.requests.filter((r) => r.path.endsWith('/count')).length;
      expect(counted).toBe(switches.pageCap || switches.forwardLink ? 0 : 2);

      const imp = await s.run(['import', '--config', 'config']);
      expect(imp.stderr).toBe('');
      expect(imp.code).toBe(0);
      expect(imp.stdout).toMatch(
        /^wrote config\/customers\/imported-\d{4}-\d\d-\d\d\.yaml: 1 accepted, 0 to review \(commented out\), 0 unmatched; 1 customer already bound left out\n/,
      );
      // Woodgrove's company is number present - 1: a list read short would leave it unmatched.
      expect(imported(s)).toEqual(['Woodgrove Bank -> WOODGROVE / Email Security']);
      expect(s.writes()).toEqual([]);
    },
  );

  it('a list that ends on a full page without a link while records follow: exit 1 naming the call and the count, no snapshot, no import file, nothing written', async () => {
    const s = await cliScene(
      longWorld(1500),
      { endLinkAfterPages: 1 },
      { usage: LONG_USAGE, customers: CONTOSO_BOUND },
    );
    const snap = await s.run(['snapshot', '--config', 'config', '--out', 'target.json']);
    const imp = await s.run(['import', '--config', 'config']);
    for (const r of [snap, imp]) {
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        'error: ConnectWise list companies (GET /v4_6_release/apis/3.0/company/companies) did not page to an end: page 1 was full (1000) with no link to a next page, and /count says 1500 records where 1000 were read; stopped, nothing from it was used',
      );
    }
    expect(existsSync(join(s.repo, 'target.json'))).toBe(false);
    expect(imported(s)).toEqual([]);
    expect(s.writes()).toEqual([]);
  });
});

/** The open lines of the bound agreement, as `PRODUCT quantity`. */
function openLines(world: CwWorld): string[] {
  const products = new Map(world.catalog.map((c) => [c.id, c.identifier]));
  return world.additions
    .filter((a) => a.agreementId === 10 && !a.cancelledDate)
    .map((a) => `${products.get(a.productId)} ${a.quantity}`)
    .sort();
}

async function applyScene(
  world: CwWorld,
  switches: CwSwitches,
  run: { userGroups?: typeof USAGE; policy?: string; force?: boolean } = {},
) {
  const s = await cliScene(world, switches, {
    usage: [{ id: 7, name: 'Contoso Ltd', userGroups: run.userGroups ?? USAGE }],
    customers: CONTOSO_BOUND,
    policy: run.policy,
  });
  const r = await s.run(['apply', '--yes', '--config', 'config', ...(run.force ? ['--force'] : [])]);
  const methods = s.writes().map((w) => w.method);
  return { ...r, methods, lines: openLines(world), repo: s.repo };
}

const CANCEL_RUN = {
  userGroups: [{ name: 'Sales', users: 2, services: ['SafeSend'] }],
  policy: 'policy:\n  onZero: cancel\n  safety:\n    maxChangePercent: 100\n',
  force: true,
};
const PLANNED = '2 changes on 1 agreement (1 to create, 1 to update, 0 to cancel, 0 unchanged, 0 conflicts)\n';
const PLANNED_CANCEL =
  '2 changes on 1 agreement, including 1 held change (--force) (1 to create, 0 to update, 0 to cancel, 0 unchanged, 0 conflicts, 1 held)\n';
const CREATED_UNPRICED =
  'applied  create CONTOSO / Email Security: MP-SAFESEND new -> 2 (the price the new line got is unknown: check it)\n';
const READ_BACK = '(confirmed by reading it back after the answer was lost)';

describe('write variants through the CLI: cwsync apply --yes, each outcome named and the exit code saying so', () => {
  it('PATCH answered 200 with the old value: exit 1, UNKNOWN naming the quantity, the create applied; PATCH sent again once after the read-back', async () => {
    const r = await applyScene(billingWorld(), { falsePatch: {} });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(PLANNED);
    expect(r.stdout).toContain(CREATED_UNPRICED);
    expect(r.stdout).toContain(
      'UNKNOWN  update CONTOSO / Email Security: MP-CLOUDFILTER 5 -> 7\n         ConnectWise update addition 500 on agreement 10 answered with success, but the addition it returned says quantity 5, not 7: the write may not have been applied',
    );
    expect(r.stdout).toContain('Applied 1, failed 0, unknown 1, held 0, skipped 0, binding errors 0.\n');
    // The unknown is an update: nothing is remembered as a pending create (the create was applied).
    expect(r.stdout).toContain('Outcomes unknown: the next run re-reads everything and settles them.\n');
    expect(r.methods.sort()).toEqual(['PATCH', 'PATCH', 'POST']);
    expect(r.lines).toEqual(['MP-CLOUDFILTER 5', 'MP-SAFESEND 2']);
  });

  it('a cancel answered 200 without cancelledDate, having landed: exit 0, applied as confirmed by reading it back; PATCH sent once', async () => {
    const r = await applyScene(
      billingWorld(),
      { writeOmits: { method: 'PATCH', fields: ['cancelledDate'] } },
      CANCEL_RUN,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(PLANNED_CANCEL);
    expect(r.stdout).toContain(
      `applied  cancel CONTOSO / Email Security: MP-CLOUDFILTER 5 -> cancelled ${READ_BACK}\n`,
    );
    expect(r.stdout).toContain(CREATED_UNPRICED);
    expect(r.stdout).toContain('Applied 2, failed 0, unknown 0, held 0, skipped 0, binding errors 0. Forced by ');
    expect(r.methods.sort()).toEqual(['PATCH', 'POST']);
    expect(r.lines).toEqual(['MP-SAFESEND 2']);
  });

  it('a cancel answered 200 without cancelledDate, not applied (a false 200): exit 1, UNKNOWN naming the cancelled date; the line stays open', async () => {
    const r = await applyScene(billingWorld(), { falsePatch: {} }, CANCEL_RUN);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(PLANNED_CANCEL);
    expect(r.stdout).toMatch(
      /UNKNOWN {2}cancel CONTOSO \/ Email Security: MP-CLOUDFILTER 5 -> cancelled\n {9}ConnectWise cancel addition 500 on agreement 10 answered with success, but the addition it returned says cancelled date none, not \d{4}-\d\d-\d\dT00:00:00Z: the write may not have been applied/,
    );
    expect(r.stdout).toContain('Applied 1, failed 0, unknown 1, held 0, skipped 0, binding errors 0. Forced by ');
    expect(r.stdout).toContain('Outcomes unknown: the next run re-reads everything and settles them.\n');
    expect(r.methods.sort()).toEqual(['PATCH', 'PATCH', 'POST']);
    expect(r.lines).toEqual(['MP-CLOUDFILTER 5', 'MP-SAFESEND 2']);
  });

  // The CLI's own cap is 64 MiB: a create answered with more, once (the PATCH's case is the client-level row above).
  it.each<[string, CwSwitches]>([
    ['POST answered with a redirect after it landed', { redirectWrite: { method: 'POST' } }],
    [
      'a create answered with more than the 64 MiB cwsync reads',
      { oversizedWrite: { bytes: 64 * 1024 * 1024 + 1, method: 'POST' } },
    ],
  ])('%s: exit 0, applied as confirmed by reading it back, POST sent once', async (_name, switches) => {
    const r = await applyScene(billingWorld(), switches);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(PLANNED);
    expect(r.stdout).toContain('applied  update CONTOSO / Email Security: MP-CLOUDFILTER 5 -> 7\n');
    expect(r.stdout).toContain(`applied  create CONTOSO / Email Security: MP-SAFESEND new -> 2 ${READ_BACK}\n`);
    expect(r.stdout).toContain('Applied 2, failed 0, unknown 0, held 0, skipped 0, binding errors 0.\n');
    expect(r.methods.sort()).toEqual(['PATCH', 'POST']);
    expect(r.lines).toEqual(['MP-CLOUDFILTER 7', 'MP-SAFESEND 2']);
  });

  it.each(['Expired', 'Inactive'] as const)(
    'an %s agreement: exit 1 (plan and apply), the binding error names the status, nothing written',
    async (status) => {
      const world = billingWorld(status);
      const r = await applyScene(world, {});
      const error = `ERROR    config/customers.yaml:2: agreement "Email Security" (id 10) under CONTOSO is ${status}; policy.agreementStatuses allows Active\n`;
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        'No changes (0 to create, 0 to update, 0 to cancel, 0 unchanged, 0 conflicts, 1 error)\n',
      );
      expect(r.stdout).toContain(error);
      expect(r.stdout).toContain('Applied 0, failed 0, unknown 0, held 0, skipped 0, binding errors 1.\n');
      expect(r.methods).toEqual([]);
      expect(r.lines).toEqual(['MP-CLOUDFILTER 5']);
      const plan = await runInProcess(['plan', '--config', 'config'], { cwd: r.repo, env: TEST_ENV });
      expect(plan.code).toBe(1);
      expect(plan.stdout).toContain(`is ${status}; policy.agreementStatuses allows Active`);
      expect(fake!.requests.filter((q) => q.method !== 'GET')).toEqual([]);
    },
  );
});
