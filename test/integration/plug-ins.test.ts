/**
 * A second billing system and a second usage source plugged in through the registry, as the real
 * ones are: `memory:` (the in-memory billing system, its state in a JSON file) and `usage: { file }`
 * (FileUsageSource). plan, apply, plan again and import run through the CLI, in process, in a
 * real git repository, with no ConnectWise and no Mailprotector anywhere: the core needs no vendor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { knownAdapters, sourceAdapterFor, targetAdapterFor } from '../../src/adapters/registry.js';
import { loadValidConfig } from '../../src/config/load.js';
import type { MemoryState } from '../../src/memory/state.js';
import { runInProcess } from '../helpers/in-process.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const state = (): MemoryState => ({
  companies: [
    { id: 1, identifier: 'CONTOSO', name: 'Contoso Ltd' },
    { id: 2, identifier: 'FABRIKAM', name: 'Fabrikam Inc' },
  ],
  agreements: [
    { id: 10, name: 'Email Security', companyId: 1 },
    { id: 20, name: 'Email Security', companyId: 2 },
  ],
  products: [
    { id: 100, identifier: 'P-CF', unitPrice: 3.5 },
    { id: 101, identifier: 'P-SS', unitPrice: 1 },
  ],
  lines: [{ id: 1000, agreementId: 10, productId: 100, quantity: 50, unitPrice: 3.5 }],
});

const usage = {
  formatVersion: 1,
  capturedAt: '2026-11-26T02:17:00Z',
  customers: [
    {
      id: 7114,
      name: 'Contoso Ltd',
      userGroups: [{ name: 'Staff', users: 56, services: ['CloudFilter', 'SafeSend'] }],
    },
    { id: 7200, name: 'Fabrikam Inc', userGroups: [{ name: 'Staff', users: 12, services: ['CloudFilter'] }] },
  ],
};

async function repo(billing: MemoryState = state()) {
  const dir = tempDir('cwsync-plugins-');
  writeFiles(dir, {
    'config/cwsync.yaml': 'memory:\n  state: billing.json\nusage:\n  file: usage.json\n',
    'config/services.yaml': 'services:\n  CloudFilter: P-CF\n  SafeSend: P-SS\n',
    'config/customers.yaml':
      'customers:\n  - customer: Contoso Ltd\n    company: CONTOSO\n    agreement: Email Security\n',
    'config/usage.json': JSON.stringify(usage),
    'config/billing.json': JSON.stringify(billing),
  });
  const git = simpleGit({ baseDir: dir });
  await git.init();
  await git
    .addConfig('user.email', 'admin@msp.example')
    .addConfig('user.name', 'MSP Admin')
    .addConfig('commit.gpgsign', 'false');
  await git.add('.').commit('config');
  const run = (args: string[]) => runInProcess(args, { cwd: dir, env: { GITHUB_STEP_SUMMARY: undefined } });
  const billed = () => JSON.parse(readFileSync(join(dir, 'config', 'billing.json'), 'utf8')) as MemoryState;
  return { dir, run, billed };
}

describe('the in-memory billing system and the usage file, through the registry', () => {
  it('are the adapters the registry picks for memory: and usage.file', async () => {
    const { dir } = await repo();
    const config = loadValidConfig(join(dir, 'config'), knownAdapters);
    expect(targetAdapterFor(config).key).toBe('memory');
    expect(sourceAdapterFor(config).key).toBe('file');
    expect(config.connectwise).toBeUndefined();
  });

  it('plans, applies (the state file written through), and the next plan shows no changes', async () => {
    const { run, billed } = await repo();
    const plan = await run(['plan', '--config', 'config', '--format', 'json']);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout);
    expect(
      planned.actions.map((a: { action: string; product: { identifier: string }; before: number; after: number }) => [
        a.action,
        a.product.identifier,
        a.before,
        a.after,
      ]),
    ).toEqual([
      ['update', 'P-CF', 50, 56],
      ['create', 'P-SS', null, 56],
    ]);
    // Messages name the adapters, filled in by them: the core knows neither.
    expect(planned.warnings.map((w: { message: string }) => w.message)).toContain(
      'customer "Fabrikam Inc" (id 7200) in the usage file is not bound to an agreement',
    );

    const applied = await run(['apply', '--config', 'config', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied 2, failed 0');
    const after = billed();
    expect(after.lines.map((l) => [l.agreementId, l.productId, l.quantity, l.unitPrice])).toEqual([
      [10, 100, 56, 3.5],
      [10, 101, 56, 1],
    ]);

    const again = await run(['plan', '--config', 'config', '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes/);
  });

  it("names the billing system by its adapter's name in a conflict, and touches neither line", async () => {
    const billing = state();
    billing.lines.push({ id: 1001, agreementId: 10, productId: 100, quantity: 5, unitPrice: 3.5 });
    const { run, billed } = await repo(billing);
    const plan = await run(['plan', '--config', 'config', '--format', 'json']);
    expect(JSON.parse(plan.stdout).conflicts[0].reason).toBe(
      '2 open lines of P-CF; cancel all but one in the in-memory billing system',
    );
    expect((await run(['apply', '--config', 'config', '--yes'])).code).toBe(1);
    expect(
      billed()
        .lines.filter((l) => l.productId === 100)
        .map((l) => l.quantity),
    ).toEqual([50, 5]);
  });

  it('asks the adapter what it can do: no snapshots and no read-only keys here, each refused naming it', async () => {
    const { run } = await repo();
    const snapshot = await run(['snapshot', '--config', 'config', '--out', 'target.json']);
    expect(snapshot.code).toBe(3);
    expect(snapshot.stderr).toContain('the in-memory billing system has no snapshots');
    const readOnly = await run(['plan', '--config', 'config', '--read-only']);
    expect(readOnly.code).toBe(3);
    expect(readOnly.stderr).toContain('--read-only: the in-memory billing system has no read-only keys');
  });

  it("import proposes a binding from the target's listCompanies/listAgreements and the source's customers", async () => {
    const { dir, run } = await repo();
    const out = join(dir, 'config', 'imported.yaml');
    const result = await run(['import', '--config', 'config', '--out', out]);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/customer: Fabrikam Inc\n\s+company: FABRIKAM\n\s+agreement: Email Security/);
    expect(text).toContain('the in-memory billing system billing.json');
  });
});
