/** plan and apply as a user runs them: the real binary, the sandbox servers, a real git repo. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Scene, startScene, writes } from '../helpers/scene.js';

let scene: Scene | undefined;
afterEach(async () => {
  await scene?.close();
  scene = undefined;
});

const quantities = (s: Scene, agreementId: number) =>
  s.world.cw.additions
    .filter((a) => a.agreementId === agreementId && !a.cancelledDate)
    .map((a) => [s.world.cw.catalog.find((c) => c.id === a.productId)!.identifier, a.quantity]);

describe('plan', () => {
  it('prints the plan in text, markdown and json, with exit 2 for changes only when asked', async () => {
    scene = await startScene();
    const text = await scene.run(['plan', '--config', 'config']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(
      '4 changes on 4 agreements (1 to create, 3 to update, 0 to cancel, 5 unchanged, 0 conflicts)',
    );
    expect(text.stdout).toContain(
      'CONTOSO / Email Security (agreement 1234): Contoso Ltd\n--- current\n+++ planned\n@@ -1,1 +1,1 @@\n-MP-CLOUDFILTER: 60\n+MP-CLOUDFILTER: 69\n',
    );
    expect(text.stdout).not.toContain('\u001b[');

    const detailed = await scene.run(['plan', '--config', 'config', '--detailed-exitcode', '--format', 'markdown']);
    expect(detailed.code).toBe(2);
    expect(detailed.stdout).toMatch(
      /^### cwsync plan: 4 changes on 4 agreements\n\n\| create \| update \| cancel \| unchanged \| conflicts \| warnings \|/,
    );
    expect(detailed.stdout).toContain(
      '<details><summary>NORTHWIND / Email Security (agreement 1250): 1 change (Northwind Traders)</summary>',
    );

    const json = await scene.run(['plan', '--config', 'config', '--format', 'json', '--out', 'plan.json']);
    const plan = JSON.parse(json.stdout);
    expect(Object.keys(plan)).toEqual([
      'formatVersion',
      'createdAt',
      'source',
      'fingerprint',
      'summary',
      'actions',
      'conflicts',
      'warnings',
    ]);
    expect(plan.source).toEqual({ commit: expect.stringMatching(/^[0-9a-f]{40}$/), dirty: false });
    expect(plan.summary).toEqual({ create: 1, update: 3, cancel: 0, unchanged: 5, conflicts: 0 });
    expect(plan.actions[0]).toEqual({
      action: 'update',
      customer: 'Contoso Ltd',
      company: { id: 250, identifier: 'CONTOSO' },
      agreement: { id: 1234, name: 'Email Security' },
      product: { id: 752, identifier: 'MP-CLOUDFILTER' },
      additionId: expect.any(Number),
      before: 60,
      after: 69,
      reason: 'CloudFilter: 69 users in 3 user groups',
    });
    expect(JSON.parse(readFileSync(join(scene.repo, 'plan.json'), 'utf8')).fingerprint).toBe(plan.fingerprint);
    expect(writes(scene)).toEqual([]);
  });
});

describe('apply', () => {
  it('applies the plan, reports every action, and the next plan shows no changes', async () => {
    scene = await startScene();
    const apply = await scene.run(['apply', '--config', 'config', '--report', 'report.json']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('applied  create NORTHWIND / Email Security: MP-CLOUDMAIL - -> 23');
    expect(apply.stdout).toContain('Applied 4, failed 0, skipped 0.');
    expect(quantities(scene, 1234)).toEqual([
      ['MP-CLOUDFILTER', 69],
      ['MP-SAFESEND', 65],
      ['M365-BP', 12],
    ]);
    const report = JSON.parse(readFileSync(join(scene.repo, 'report.json'), 'utf8'));
    expect(report.summary).toEqual({ applied: 4, failed: 0, skipped: 0 });
    expect(report.results.map((r: { status: string }) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
    ]);

    const again = await scene.run(['plan', '--config', 'config', '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(
      'No changes (0 to create, 0 to update, 0 to cancel, 9 unchanged, 0 conflicts)',
    );
  });

  it('sends only quantity-related fields: no price, cost or description, no PUT, no DELETE', async () => {
    scene = await startScene({
      edit: (f, t) => (f === 'cwsync.yaml' ? t.replace('onZero: zero', 'onZero: cancel') : t),
    });
    scene.world.mp.userGroups.find(
      (g) => g.name === 'Staff' && g.domainId === scene!.world.mp.domains.find((d) => d.name === 'woodgrove.com')!.id,
    )!.userCount = 0; // Woodgrove to zero: a cancel
    await scene.run(['apply', '--config', 'config', '--force']);
    const sent = writes(scene);
    expect(new Set(sent.map((r) => r.method))).toEqual(new Set(['POST', 'PATCH']));
    for (const r of sent) {
      if (r.method === 'POST')
        expect(Object.keys(r.body as object).sort()).toEqual(['billCustomer', 'effectiveDate', 'product', 'quantity']);
      else
        expect((r.body as Array<{ path: string }>).map((op) => op.path)).toEqual([
          expect.stringMatching(/^(quantity|cancelledDate)$/),
        ]);
    }
    expect(
      sent.some((r) => r.method === 'PATCH' && (r.body as Array<{ path: string }>)[0]!.path === 'cancelledDate'),
    ).toBe(true);
    expect(JSON.stringify(sent.map((r) => r.body))).not.toMatch(/unitPrice|unitCost|description/);
  });

  it('refuses a saved plan once the sandbox state has changed, writing nothing (exit 3)', async () => {
    scene = await startScene();
    await scene.run(['plan', '--config', 'config', '--out', 'plan.json']);
    scene.world.mp.userGroups.find((g) => g.name === 'Execs')!.userCount = 6;
    const apply = await scene.run(['apply', '--config', 'config', '--plan', 'plan.json']);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toMatch(
      /^refused: the saved plan plan\.json no longer matches \(saved sha256:[0-9a-f]{64}, now sha256:[0-9a-f]{64}\); nothing was written\n/,
    );
    expect(apply.stderr).toContain(
      '-update CONTOSO / Email Security (1234) MP-CLOUDFILTER: 60 -> 69\n+update CONTOSO / Email Security (1234) MP-CLOUDFILTER: 60 -> 71',
    );
    expect(writes(scene)).toEqual([]);
  });

  it('applies a saved plan that still matches', async () => {
    scene = await startScene();
    await scene.run(['plan', '--config', 'config', '--out', 'plan.json']);
    const apply = await scene.run(['apply', '--config', 'config', '--plan', 'plan.json']);
    expect(apply.code).toBe(0);
    expect(writes(scene)).toHaveLength(4);
  });

  it('refuses when a safety limit is exceeded, and --force passes', async () => {
    scene = await startScene();
    scene.world.mp.userGroups.find((g) => g.name === 'All staff')!.userCount = 30; // Fabrikam 120 -> 30: a 75% drop
    const refused = await scene.run(['apply', '--config', 'config']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      'refused: safety limits exceeded; nothing was written\n' +
        '  - MP-CLOUDFILTER on FABRIKAM / Managed Email would fall from 120 to 30 (75% decrease), over maxDecreasePercent 50%\n' +
        '  - MP-SAFESEND on FABRIKAM / Managed Email would fall from 120 to 30 (75% decrease), over maxDecreasePercent 50%\n' +
        'fix: check the usage and the config; if the change is intended, run apply with --force\n',
    );
    expect(writes(scene)).toEqual([]);
    const plan = await scene.run(['plan', '--config', 'config']);
    expect(plan.stdout).toContain(
      '! apply will refuse without --force: MP-CLOUDFILTER on FABRIKAM / Managed Email would fall from 120 to 30',
    );
    const forced = await scene.run(['apply', '--config', 'config', '--force']);
    expect(forced.code).toBe(0);
    expect(quantities(scene, 1240)).toEqual([
      ['MP-CLOUDFILTER', 30],
      ['MP-SAFESEND', 30],
    ]);
  });

  it('reports a 500 on one PATCH while the rest applies, exits 1, and a second apply converges', async () => {
    scene = await startScene();
    scene.sandbox.cw.faults.push({
      method: 'PATCH',
      path: '/agreements/1260/additions',
      times: 1,
      status: 500,
      body: { code: 'ConnectWiseApi', message: 'Object reference not set to an instance of an object.' },
    });
    const first = await scene.run(['apply', '--config', 'config', '--report', 'report.json']);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain(
      'FAILED   update TAILSPIN / Security Bundle: MP-BRACKET-BUNDLE 28 -> 30\n         ConnectWise update addition',
    );
    expect(first.stdout).toContain('Applied 3, failed 1, skipped 0.');
    const report = JSON.parse(readFileSync(join(scene.repo, 'report.json'), 'utf8'));
    expect(report.results.filter((r: { status: string }) => r.status === 'failed')).toEqual([
      expect.objectContaining({
        action: 'update',
        product: { id: 756, identifier: 'MP-BRACKET-BUNDLE' },
        error: expect.stringContaining('HTTP 500 ConnectWiseApi: Object reference not set'),
      }),
    ]);
    const second = await scene.run(['apply', '--config', 'config']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('applied  update TAILSPIN / Security Bundle: MP-BRACKET-BUNDLE 28 -> 30');
    expect(second.stdout).toContain('Applied 1, failed 0, skipped 0.');
    expect((await scene.run(['plan', '--config', 'config'])).stdout).toMatch(/^No changes/);
  });

  it('never duplicates a create whose answer was lost', async () => {
    scene = await startScene();
    scene.sandbox.cw.faults.push({ method: 'POST', times: 1, dropAfterServing: true });
    const apply = await scene.run(['apply', '--config', 'config']);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(
      'applied  create NORTHWIND / Email Security: MP-CLOUDMAIL - -> 23 (confirmed by reading it back after the answer was lost)',
    );
    expect(writes(scene).filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(quantities(scene, 1250)).toEqual([
      ['MP-CLOUDFILTER', 23],
      ['MP-CLOUDMAIL', 23],
    ]);
  });

  it('creates again when a failed create did not land, after checking', async () => {
    scene = await startScene();
    scene.sandbox.cw.faults.push({ method: 'POST', times: 1, drop: true });
    const apply = await scene.run(['apply', '--config', 'config']);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('(created on the second attempt, after checking the first had not landed)');
    expect(quantities(scene, 1250)).toEqual([
      ['MP-CLOUDFILTER', 23],
      ['MP-CLOUDMAIL', 23],
    ]);
  });

  it('reports a conflict and leaves both additions alone', async () => {
    scene = await startScene();
    const cf = scene.world.cw.additions.find((a) => a.agreementId === 1240 && a.productId === 752)!;
    scene.world.cw.additions.push({ ...cf, id: 99_999, quantity: 1 });
    const apply = await scene.run(['apply', '--config', 'config']);
    expect(apply.stdout).toContain(
      'skipped  conflict FABRIKAM / Managed Email: MP-CLOUDFILTER: 2 open additions of MP-CLOUDFILTER; cancel all but one in ConnectWise',
    );
    expect(apply.stdout).toContain('skipped 1 (conflicts)');
    expect(writes(scene).some((r) => r.path.includes('/agreements/1240/'))).toBe(false);
  });
});

describe('the config must be committed', () => {
  it('refuses a dirty config tree (exit 3) unless --allow-dirty', async () => {
    scene = await startScene();
    await scene.edit('customers.yaml', (t) => t.replace('minimum: 25', 'minimum: 26'), false);
    const refused = await scene.run(['apply', '--config', 'config']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      'refused: the config directory has changes that are not committed: config/customers.yaml\nfix: commit them (nightly applies run from reviewed config), or pass --allow-dirty\n',
    );
    expect(scene.sandbox.cw.requests).toEqual([]);
    const plan = JSON.parse((await scene.run(['plan', '--config', 'config', '--format', 'json'])).stdout);
    expect(plan.source.dirty).toBe(true);
    expect((await scene.run(['apply', '--config', 'config', '--allow-dirty'])).code).toBe(0);
  });

  it('treats a config outside any git repository as dirty', async () => {
    scene = await startScene();
    const { tempDir } = await import('../helpers/temp.js');
    const outside = tempDir();
    for (const f of ['cwsync.yaml', 'services.yaml', 'customers.yaml'])
      writeFileSync(join(outside, f), readFileSync(join(scene.configDir, f)));
    const refused = await scene.run(['apply', '--config', outside]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('refused: the config directory is not in a git repository');
    const plan = JSON.parse((await scene.run(['plan', '--config', outside, '--format', 'json'])).stdout);
    expect(plan.source).toEqual({ commit: null, dirty: true });
  });
});
