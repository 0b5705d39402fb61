/** `cwsync doctor` against the sandbox, run in process through the same program as the binary. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import { startFakeMailprotector } from '../../src/sandbox/fake-mailprotector.js';
import { type CwWorld, emptyCwWorld, emptyMpWorld } from '../../src/sandbox/world.js';
import { TEST_ENV, writeConfig } from '../helpers/config.js';
import { runInProcess } from '../helpers/in-process.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

let fake: FakeConnectWise | undefined;
afterEach(async () => fake?.close());

function world(): CwWorld {
  const w = emptyCwWorld();
  w.companies.push({ id: 1, identifier: 'CONTOSO', name: 'Contoso', deletedFlag: false });
  w.agreements.push({ id: 10, name: 'Email Security', companyId: 1, agreementStatus: 'Active', cancelledFlag: false });
  w.catalog.push({ id: 752, identifier: 'MP-CLOUDFILTER', description: 'CF', inactiveFlag: false, price: 3, cost: 1 });
  w.catalog.push({ id: 753, identifier: 'MP-SAFESEND', description: 'SS', inactiveFlag: false, price: 2, cost: 1 });
  w.additions.push({
    id: 500,
    agreementId: 10,
    productId: 752,
    quantity: 7,
    unitPrice: 3,
    unitCost: 1,
    billCustomer: 'Billable',
    effectiveDate: null,
    cancelledDate: null,
    description: 'CF',
  });
  return w;
}

async function doctor(
  w: CwWorld,
  env: Record<string, string | undefined> = {},
  args: string[] = [],
  running?: FakeConnectWise,
) {
  fake = running ?? (await startFakeConnectWise(w));
  const dir = tempDir();
  writeConfig(join(dir, 'cfg'), { cwUrl: fake.apiBase, usageFile: 'usage.json' });
  writeFiles(join(dir, 'cfg'), { 'usage.json': '{"formatVersion":1,"customers":[]}' });
  return runInProcess(['doctor', '--config', 'cfg', ...args], { cwd: dir, env: { ...TEST_ENV, ...env } });
}

describe('cwsync doctor', () => {
  it('passes with a complete role, but calls the write rights not provable without a write (never green); its probes change nothing', async () => {
    const w = world();
    const before = JSON.stringify(w.additions);
    const result = await doctor(w);
    expect(result.stdout).toContain(
      'warn  create additions: Finance › Agreements: Add = All (not provable without a write: the probe was refused with 400',
    );
    expect(result.stdout).toContain(
      'warn  update additions: Finance › Agreements: Edit = All (not provable without a write',
    );
    expect(result.stdout).not.toMatch(/^ok {4}(create|update) additions/m);
    // A url given in full is named once (a site would show the URL its codebase resolves to).
    expect(result.stdout).toContain(`ok    ConnectWise reachable at ${fake!.apiBase}\n`);
    expect(result.stdout).toContain('ok    services.yaml maps catalog item MP-CLOUDFILTER (id 752)');
    expect(result.stdout).toContain("warn  services.yaml maps your catalog's Product IDs, not init's placeholders");
    expect(result.stdout).toContain('all checks passed; 3 warnings: not proven, see above');
    expect(result.code).toBe(0);
    expect(JSON.stringify(w.additions)).toBe(before);
  });

  it('--services lists every service seen with its users, and says which services.yaml maps', async () => {
    fake = await startFakeConnectWise(world());
    const dir = tempDir();
    writeConfig(join(dir, 'cfg'), { cwUrl: fake.apiBase, usageFile: 'usage.json' });
    const usage = {
      formatVersion: 1,
      customers: [
        { id: 1, name: 'A', userGroups: [{ name: 'S', users: 7, services: ['CloudFilter', 'SecureStore'] }] },
        { id: 2, name: 'B', userGroups: [{ name: 'S', users: 3, services: ['CloudFilter'] }] },
      ],
    };
    writeFiles(join(dir, 'cfg'), { 'usage.json': JSON.stringify(usage) });
    const result = await runInProcess(['doctor', '--config', 'cfg', '--services'], { cwd: dir, env: TEST_ENV });
    expect(result.code).toBe(0);
    const listing = result.stdout.split('Services seen at')[1] ?? '';
    expect(listing).toMatch(/CloudFilter +10 +2 +MP-CLOUDFILTER/);
    expect(listing).toMatch(/SecureStore +7 +1 +NOT MAPPED/);
  });

  it('fails on a mapped catalog identifier that does not exist, or names an inactive item', async () => {
    const w = world();
    w.catalog[1]!.inactiveFlag = true;
    w.catalog.shift();
    const result = await doctor(w);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL  services.yaml maps catalog item MP-CLOUDFILTER (no catalog item has this identifier)',
    );
    expect(result.stdout).toContain('FAIL  services.yaml maps catalog item MP-SAFESEND (it exists but is inactive)');
    expect(result.stdout).toContain('2 checks failed');
  });

  it('names a missing permission and how to grant it', async () => {
    const w = world();
    w.permissions.delete('agreements.add');
    const result = await doctor(w);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "FAIL  create additions: Finance › Agreements: Add = All (missing)\n      fix: give the API member's security role Finance › Agreements: Add = All (needed to create missing additions)",
    );
    expect(result.stdout).toContain('ok    read agreements: Finance › Agreements: Inquire = All');
    expect(result.stdout).toContain('1 check failed');
  });

  it('names a missing secret without calling anything', async () => {
    const result = await doctor(world(), { CW_PRIVATE_KEY: undefined });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL  connectwise.privateKey (environment variable CW_PRIVATE_KEY) (not set)');
    expect(fake!.requests).toHaveLength(0);
  });

  it('tells wrong keys apart from a wrong clientId', async () => {
    const keys = await doctor(world(), { CW_PRIVATE_KEY: 'wrong-key' });
    expect(keys.stdout).toContain('FAIL  ConnectWise credentials and clientId accepted');
    expect(keys.stdout).toContain('fix: check connectwise.company ("acme", the login company ID, case-sensitive)');
    expect(keys.stdout + keys.stderr).not.toContain('wrong-key');
    await fake!.close();
    const client = await doctor(world(), { CW_CLIENT_ID: 'bad-client' });
    expect(client.stdout).toContain('fix: check the clientId header');
  });

  it('checks the Mailprotector key against the reseller', async () => {
    fake = await startFakeConnectWise(world());
    const mp = await startFakeMailprotector(emptyMpWorld({ customers: [{ id: 1, name: 'Contoso', resellerId: 343 }] }));
    try {
      const dir = tempDir();
      writeConfig(dir, { cwUrl: fake.apiBase, mpUrl: mp.apiBase });
      const good = await runInProcess(['doctor', '--config', dir], { env: TEST_ENV });
      expect(good.stdout).toContain('ok    Mailprotector reseller 343: its customers can be listed (1 customers)');
      const bad = await runInProcess(['doctor', '--config', dir], { env: { ...TEST_ENV, MP_API_KEY: 'expired-key' } });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('FAIL  Mailprotector reseller 343: its customers can be listed');
      expect(bad.stdout).toContain('fix: check the API key usage.mailprotector.apiKey refers to');
      expect(bad.stdout + bad.stderr).not.toContain('expired-key');
    } finally {
      await mp.close();
    }
  });

  it('checks a { file: PATH } secret really exists, without calling anything when it does not', async () => {
    fake = await startFakeConnectWise(world());
    const dir = tempDir();
    writeConfig(dir, { cwUrl: fake.apiBase, usageFile: 'usage.json' });
    writeFiles(dir, { 'usage.json': '{"formatVersion":1,"customers":[]}' });
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(
      join(dir, 'cwsync.yaml'),
      readFileSync(join(dir, 'cwsync.yaml'), 'utf8').replace(
        'privateKey: { env: CW_PRIVATE_KEY }',
        'privateKey: { file: cw-private.key }',
      ),
    );
    const missing = await runInProcess(['doctor', '--config', dir], { env: TEST_ENV });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('FAIL  connectwise.privateKey (file cw-private.key) (does not exist)');
    expect(fake.requests).toHaveLength(0);
    writeFiles(dir, { 'cw-private.key': 'sandbox-private\n' });
    const present = await runInProcess(['doctor', '--config', dir], { env: TEST_ENV });
    expect(present.stdout).toContain('ok    connectwise.privateKey (file cw-private.key)');
    expect(present.code).toBe(0);
  });

  it('--shapes: each endpoint of both APIs, what it confirms, what differs (exit 1), with no value or secret', async () => {
    const w = world();
    fake = await startFakeConnectWise(w);
    const mp = await startFakeMailprotector(emptyMpWorld({ customers: [{ id: 1, name: 'Contoso', resellerId: 343 }] }));
    const dir = tempDir();
    writeConfig(dir, { cwUrl: fake.apiBase, mpUrl: mp.apiBase });
    let good: Awaited<ReturnType<typeof runInProcess>>;
    try {
      good = await runInProcess(['doctor', '--config', dir, '--shapes'], { env: TEST_ENV });
    } finally {
      await mp.close();
    }
    expect(good.stdout).toMatch(
      /\nConnectWise\n\nGET \/system\/info\n[\s\S]*\nGET \/finance\/agreements\/\{id\}\/additions\n {2}shape {4}HTTP 200 application\/json[\s\S]* {2}ok {7}product\/id is integer\n[\s\S]*\nMailprotector\n\nGET \/resellers\/\{id\}\/customers\n/,
    );
    // ConnectWise's side confirms every assumption; the other side's verdict is its own adapter's.
    expect(good.stdout.split('\nMailprotector\n')[0]).not.toContain('DIFFERS');
    await fake.close();
    fake = await startFakeConnectWise(w, { switches: { brokenList: { kind: 'html', path: '/additions' } } });
    const bad = await doctor(w, {}, ['--shapes'], fake);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /shape {4}HTTP 200 text\/html, \d+ bytes: a body that is not JSON\n( {2}headers .*\n)? {2}DIFFERS {2}expected a JSON list of additions/,
    );
    expect(bad.stdout).toContain('1 assumption differs on 1 of 8 endpoints: please report the lines marked DIFFERS');
    const secrets = [TEST_ENV.CW_PRIVATE_KEY, TEST_ENV.CW_CLIENT_ID, TEST_ENV.MP_API_KEY, 'CONTOSO', 'Email Security'];
    for (const s of secrets) expect(good.stdout + good.stderr + bad.stdout + bad.stderr).not.toContain(s);
  });
});
