/**
 * SPEC §7, keyless pull-request plans: the nightly saves a usage snapshot and a ConnectWise
 * snapshot; a pull request's plan then needs no secret at all. A new binding resolves against
 * the ConnectWise snapshot by the same rules as live (names -> ids, did-you-mean), and the plan
 * says how old both snapshots are. The servers count every request: the plan makes none. A plan
 * made from a snapshot is never applied.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyCommand } from '../../src/cli/commands/apply.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { snapshotCommand } from '../../src/cli/commands/snapshot.js';
import { usageCommand } from '../../src/cli/commands/usage.js';
import { DEMO_ENV, demoWorld } from '../../src/sandbox/demo-data.js';
import { inProcess } from '../helpers/config.js';
import { type Scene, startScene } from '../helpers/scene.js';
import { tempDir } from '../helpers/temp.js';

let scene: Scene;
const dir = tempDir('cwsync-snapshots-');
const usagePath = join(dir, 'usage-snapshot.json');
const boundOnly = join(dir, 'target-bound.json');
const everyAgreement = join(dir, 'target-all.json');

/** The demo world plus Litware's company and agreement in ConnectWise, with a CloudFilter line billed by hand. */
function world() {
  const w = demoWorld();
  w.cw.companies.push({ id: 270, identifier: 'LITWARE', name: 'Litware Inc', deletedFlag: false });
  w.cw.agreements.push({
    id: 5010,
    name: 'Email Security',
    companyId: 270,
    agreementStatus: 'Active',
    cancelledFlag: false,
  });
  w.cw.additions.push({
    id: 9001,
    agreementId: 5010,
    productId: 752,
    quantity: 10,
    unitPrice: 3.5,
    unitCost: 1.75,
    billCustomer: 'Billable',
    effectiveDate: '2026-01-01T00:00:00Z',
    cancelledDate: null,
    description: 'Mailprotector CloudFilter',
  });
  return w;
}

function withKeys() {
  vi.stubEnv('CWSYNC_QUIET', '1');
  vi.stubEnv('CWSYNC_LOG_LEVEL', 'silent');
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, v);
}

/** No secret at all: the variables the config names do not exist. */
function withoutKeys() {
  withKeys();
  for (const k of Object.keys(DEMO_ENV)) vi.stubEnv(k, undefined);
}

const requests = () => scene.sandbox.cw.requests.length + scene.sandbox.mp.requests.length;

const NEW_BINDING = (company: string) =>
  `\n  - customer: Litware\n    company: ${company}\n    agreement: Email Security\n`;

const plan = (extra: Partial<Parameters<typeof planCommand>[0]> = {}) =>
  inProcess(() =>
    planCommand({
      config: scene.configDir,
      format: 'json',
      maxUsageAge: '26h',
      maxTargetAge: '26h',
      detailedExitcode: true,
      ...extra,
    }),
  );

const keyless = (target: string, extra: Partial<Parameters<typeof planCommand>[0]> = {}) =>
  plan({ usageSnapshot: usagePath, targetSnapshot: target, ...extra });

beforeAll(async () => {
  scene = await startScene({ world: world() });
  withKeys();
  // The nightly: usage once, and ConnectWise's snapshot (bound agreements; and every agreement).
  const usage = await inProcess(() => usageCommand({ config: scene.configDir, format: 'json' }));
  expect(usage.code).toBe(0);
  writeFileSync(usagePath, usage.stdout);
  expect((await inProcess(() => snapshotCommand({ config: scene.configDir, out: boundOnly }))).code).toBe(0);
  const all = await inProcess(() =>
    snapshotCommand({ config: scene.configDir, out: everyAgreement, allAgreements: true }),
  );
  expect(all.code).toBe(0);
  expect(all.stderr).toContain('the lines of 6 agreements');
  vi.unstubAllEnvs();
  // The pull request: bind Litware.
  await scene.edit('customers.yaml', (t) => t + NEW_BINDING('LITWARE'));
});
afterAll(async () => {
  await scene?.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('a pull request plans from the two snapshots with no secret', () => {
  it('plans a new binding against the snapshot, sending no request, and matches the live plan', async () => {
    withoutKeys();
    for (const k of Object.keys(DEMO_ENV)) expect(process.env[k]).toBeUndefined();
    const before = requests();
    const r = await keyless(everyAgreement);
    expect(requests() - before).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    const fromSnapshots = JSON.parse(r.stdout);
    const litware = fromSnapshots.actions.filter((a: { customer: string }) => a.customer === 'Litware');
    // The hand-billed line is in the snapshot: an update 10 -> 15, not a second line.
    expect(litware).toMatchObject([
      { action: 'update', company: { id: 270, identifier: 'LITWARE' }, agreement: { id: 5010 }, before: 10, after: 15 },
    ]);
    expect(fromSnapshots.errors).toEqual([]);
    expect(fromSnapshots.usage.source).toBe('snapshot');
    expect(fromSnapshots.target).toMatchObject({ source: 'snapshot', label: `ConnectWise snapshot ${everyAgreement}` });
    expect(Date.parse(fromSnapshots.target.capturedAt)).not.toBeNaN();

    withKeys();
    const live = JSON.parse((await plan({ usageSnapshot: usagePath })).stdout);
    expect(fromSnapshots.actions).toEqual(live.actions);
    expect(fromSnapshots.fingerprint).toBe(live.fingerprint);
    // The lines cwsync does not manage come from the snapshot too: the same warnings and unmanaged lines.
    expect(fromSnapshots.warnings).toEqual(live.warnings);
    expect(fromSnapshots.unmanaged).toEqual(live.unmanaged);
    expect(live.target).toBeUndefined();
  });

  it('says how old both snapshots are, in the text and the markdown', async () => {
    withoutKeys();
    const before = requests();
    const text = await keyless(everyAgreement, { format: 'text' });
    const markdown = await keyless(everyAgreement, { format: 'markdown' });
    expect(requests() - before).toBe(0);
    for (const out of [text.stdout, markdown.stdout]) {
      expect(out).toMatch(/usage from usage snapshot .*usage-snapshot\.json, captured .* UTC \(\d+ minutes? old\)/);
      expect(out).toMatch(/ConnectWise snapshot .*target-all\.json, captured .* UTC \(\d+ minutes? old\)/);
    }
  });

  it('a mistyped company gets a did-you-mean from the snapshot, as live', async () => {
    const customers = join(scene.configDir, 'customers.yaml');
    const original = readFileSync(customers, 'utf8');
    writeFileSync(customers, original.replace(NEW_BINDING('LITWARE'), NEW_BINDING('LITWAR')));
    try {
      withoutKeys();
      const before = requests();
      const r = await keyless(everyAgreement);
      expect(requests() - before).toBe(0);
      expect(r.code).toBe(1);
      const errors = JSON.parse(r.stdout).errors;
      expect(errors).toMatchObject([
        { customer: 'Litware', message: expect.stringContaining('"LITWAR"'), fix: 'did you mean "LITWARE"?' },
      ]);
      withKeys();
      expect(JSON.parse((await plan({ usageSnapshot: usagePath })).stdout).errors).toEqual(errors);
    } finally {
      writeFileSync(customers, original);
    }
  });

  it('an agreement the snapshot holds no lines of is that binding error, never "no lines"', async () => {
    withoutKeys();
    const before = requests();
    const r = await keyless(boundOnly);
    expect(requests() - before).toBe(0);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.errors).toMatchObject([
      { customer: 'Litware', message: expect.stringContaining('holds no additions of agreement 5010') },
    ]);
    expect(out.actions.some((a: { customer: string }) => a.customer === 'Litware')).toBe(false);
    // Every other binding is planned as usual.
    expect(out.actions.length).toBeGreaterThan(0);
  });

  it('never reads Mailprotector with a ConnectWise snapshot: the usage snapshot is required', async () => {
    withKeys();
    const before = requests();
    const r = await plan({ targetSnapshot: everyAgreement });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--usage-snapshot');
    expect(requests() - before).toBe(0);
  });

  it('--read-only without connectwise.readOnly keys is refused, never falling back to the write keys', async () => {
    withKeys();
    const before = requests();
    const r = await plan({ usageSnapshot: usagePath, readOnly: true });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no connectwise.readOnly keys');
    expect(requests() - before).toBe(0);
  });

  it('--read-only reads ConnectWise live with connectwise.readOnly keys alone, and never Mailprotector', async () => {
    const cwsync = join(scene.configDir, 'cwsync.yaml');
    const original = readFileSync(cwsync, 'utf8');
    writeFileSync(
      cwsync,
      original.replace(
        '  company: acme',
        '  company: acme\n  readOnly:\n    publicKey: { env: CW_READONLY_PUBLIC_KEY }\n    privateKey: { env: CW_READONLY_PRIVATE_KEY }',
      ),
    );
    try {
      withoutKeys();
      vi.stubEnv('CW_CLIENT_ID', DEMO_ENV.CW_CLIENT_ID);
      vi.stubEnv('CW_READONLY_PUBLIC_KEY', DEMO_ENV.CW_PUBLIC_KEY);
      vi.stubEnv('CW_READONLY_PRIVATE_KEY', DEMO_ENV.CW_PRIVATE_KEY);
      const cw = scene.sandbox.cw.requests.length;
      const mp = scene.sandbox.mp.requests.length;
      const r = await plan({ usageSnapshot: usagePath, readOnly: true });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).target).toMatchObject({ source: 'read-only', capturedAt: null });
      expect(scene.sandbox.cw.requests.length).toBeGreaterThan(cw);
      expect(scene.sandbox.cw.requests.slice(cw).every((q) => q.method === 'GET')).toBe(true);
      expect(scene.sandbox.mp.requests.length).toBe(mp);
    } finally {
      writeFileSync(cwsync, original);
    }
  });

  it('a plan made from the snapshot is refused by apply --plan before any write', async () => {
    withoutKeys();
    const saved = join(dir, 'plan.json');
    expect((await keyless(everyAgreement, { out: saved })).code).toBe(2);
    withKeys();
    const before = requests();
    const r = await inProcess(() =>
      applyCommand({ config: scene.configDir, plan: saved, allowDirty: true, lockWait: '0' }),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('was made from ConnectWise snapshot');
    expect(scene.sandbox.cw.requests.slice(before).filter((q) => q.method !== 'GET')).toEqual([]);
  });
});
