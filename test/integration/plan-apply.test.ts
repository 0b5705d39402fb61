/**
 * plan and apply as a user runs them, in process (the same program as the binary; the binary
 * itself in test/e2e/journey.test.ts), the sandbox servers, a real git repo. Only the journeys live here; apply's semantics under every fault are tested in process
 * (test/unit/apply.test.ts over the in-memory target), the adapters over HTTP in integration/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireApplyLock } from '../../src/git/lock.js';
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
const json = (s: Scene, file: string) => JSON.parse(readFileSync(join(s.repo, file), 'utf8'));

describe("apply without a saved plan asks first (Terraform's convention)", () => {
  const tty = { stdin: process.stdin.isTTY, stdout: process.stdout.isTTY };
  afterEach(() => {
    process.stdin.isTTY = tty.stdin;
    process.stdout.isTTY = tty.stdout;
  });

  it('off a terminal and without --yes: exit 3 before anything is read or written; with --yes: applies', async () => {
    scene = await startScene();
    // However the tests are started: nobody at a terminal to answer.
    process.stdin.isTTY = false as never;
    const refused = await scene.run(['apply', '--config', 'config']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      'refused: apply without --plan asks before it writes, and there is no terminal to ask on; nothing was read or written',
    );
    expect(refused.stderr).toContain('pass --yes');
    expect(refused.stdout).toBe('');
    expect(scene.sandbox.cw.requests).toEqual([]);
    expect(scene.sandbox.mp.requests).toEqual([]);
    // The binary, its output piped as in any script or CI job: the same refusal.
    const piped = await scene.runBinary(['apply', '--config', 'config']);
    expect([piped.code, piped.stdout]).toEqual([3, '']);
    expect(piped.stderr).toContain('pass --yes');
    expect([...scene.sandbox.cw.requests, ...scene.sandbox.mp.requests]).toEqual([]);

    const applied = await scene.run(['apply', '--config', 'config', '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied 4, failed 0');
    expect(
      writes(scene)
        .map((w) => w.method)
        .sort(),
    ).toEqual(['PATCH', 'PATCH', 'PATCH', 'POST']);
  });
});

describe('plan, apply, plan', () => {
  it('prints the plan in every format, applies it with a report, and the next plan shows no changes', async () => {
    scene = await startScene();
    const text = await scene.run(['plan', '--config', 'config']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^4 changes on 4 agreements/);
    expect(text.stdout).toContain('MP-CLOUDFILTER');
    expect(text.stdout).not.toContain('\u001b[');
    const detailed = await scene.run(['plan', '--config', 'config', '--detailed-exitcode', '--format', 'markdown']);
    expect(detailed.code).toBe(2);
    expect(detailed.stdout).toContain('NORTHWIND');
    const saved = await scene.run(['plan', '--config', 'config', '--format', 'json', '--out', 'plan.json']);
    const plan = JSON.parse(saved.stdout);
    expect(Object.keys(plan).slice(0, 8)).toEqual([
      'formatVersion',
      'createdAt',
      'source',
      'fingerprint',
      'summary',
      'actions',
      'conflicts',
      'warnings',
    ]);
    expect(plan).toMatchObject({ errors: [], held: [], scope: null, usage: { source: 'mailprotector' } });
    expect(json(scene, 'plan.json').fingerprint).toBe(plan.fingerprint);
    expect(writes(scene)).toEqual([]);

    const apply = await scene.run(['apply', '--yes', '--config', 'config', '--report', 'report.json']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('applied  create NORTHWIND / Email Security: MP-CLOUDMAIL new -> 23');
    expect(quantities(scene, 1234)).toEqual([
      ['MP-CLOUDFILTER', 69],
      ['MP-SAFESEND', 65],
      ['M365-BP', 12],
    ]);
    expect(json(scene, 'report.json')).toMatchObject({
      forced: false,
      summary: { applied: 4, failed: 0, unknown: 0, held: 0, skipped: 0, errors: 0 },
    });
    const again = await scene.run(['plan', '--config', 'config', '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes/);
  });

  it('sends only quantity-related fields: no price, cost or description, no PUT, no DELETE', async () => {
    scene = await startScene({
      edit: (f, t) => (f === 'cwsync.yaml' ? t.replace('onZero: zero', 'onZero: cancel') : t),
    });
    const woodgrove = scene.world.mp.domains.find((d) => d.name === 'woodgrove.com')!.id;
    scene.world.mp.userGroups.find((g) => g.name === 'Staff' && g.domainId === woodgrove)!.userCount = 0;
    await scene.run(['apply', '--yes', '--config', 'config', '--force']);
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
});

describe('a nightly that bills everyone it can', () => {
  it('plans around an error, a held decrease and a conflict; applies the rest; --force applies the held one', async () => {
    scene = await startScene({
      edit: (f, t) =>
        f === 'customers.yaml'
          ? `${t}\n  - customer: Contoso Ltd\n    company: NO-SUCH-COMPANY\n    agreement: Email Security\n`.replace(
              '  - customer: Contoso Ltd\n    company: NO-SUCH-COMPANY',
              '  - customer: Litware\n    company: NO-SUCH-COMPANY',
            )
          : t,
    });
    scene.world.mp.userGroups.find((g) => g.name === 'All staff')!.userCount = 30; // Fabrikam 120 -> 30: held
    const ss = scene.world.cw.additions.find((a) => a.agreementId === 1260)!;
    scene.world.cw.additions.push({ ...ss, id: 99_999, quantity: 1 }); // a conflict on Tailspin

    const plan = await scene.run(['plan', '--config', 'config', '--detailed-exitcode', '--out', 'plan.json']);
    expect(plan.code).toBe(1);
    const saved = json(scene, 'plan.json');
    expect(saved.errors).toEqual([
      expect.objectContaining({ customer: 'Litware', where: expect.stringMatching(/customers\.yaml:\d+$/) }),
    ]);
    expect(saved.errors[0].message).toContain('NO-SUCH-COMPANY');
    expect(
      saved.held.map(
        (h: { product: { identifier: string }; reason: string }) => `${h.product.identifier}: ${h.reason}`,
      ),
    ).toEqual([
      'MP-CLOUDFILTER: 120 -> 30 is a 75 % decrease (limit 50 %)',
      'MP-SAFESEND: 120 -> 30 is a 75 % decrease (limit 50 %)',
    ]);
    expect(saved.conflicts).toHaveLength(1);
    expect(
      saved.actions.map(
        (a: { action: string; company: { identifier: string }; product: { identifier: string }; after: number }) =>
          `${a.action} ${a.company.identifier} ${a.product.identifier} ${a.after}`,
      ),
    ).toEqual([
      'update CONTOSO MP-CLOUDFILTER 69',
      'create NORTHWIND MP-CLOUDMAIL 23',
      'update WOODGROVE MP-CLOUDFILTER 40',
    ]);
    expect(plan.stdout).toContain('NO-SUCH-COMPANY');
    expect((await scene.run(['plan', '--config', 'config'])).code).toBe(1); // errors exit 1 without --detailed-exitcode too

    const apply = await scene.run(['apply', '--yes', '--config', 'config', '--report', 'report.json']);
    expect(apply.code).toBe(1);
    const report = json(scene, 'report.json');
    expect(report.summary).toMatchObject({ held: 2, failed: 0, unknown: 0, errors: 1, skipped: 1 });
    expect(report.summary.applied).toBe(saved.actions.length);
    expect(quantities(scene, 1240)).toEqual([
      ['MP-CLOUDFILTER', 120],
      ['MP-SAFESEND', 120],
    ]);
    expect(apply.stdout).toContain('HELD     update FABRIKAM / Managed Email: MP-CLOUDFILTER 120 -> 30');

    const forced = await scene.run(['apply', '--yes', '--config', 'config', '--force', '--report', 'forced.json'], {
      USER: 'msp-owner', // outside GitHub Actions the actor is the local user (GITHUB_ACTOR only counts inside Actions)
    });
    expect(forced.code).toBe(1); // the binding error still needs a human
    // Headed by what it writes: the held changes it lifts, never "No changes".
    expect(forced.stdout.split('\n')[0]).toMatch(/^2 changes on 1 agreement, including 2 held changes \(--force\) \(/);
    expect(json(scene, 'forced.json')).toMatchObject({
      forced: true,
      actor: 'msp-owner',
      summary: { applied: 2, held: 0 },
    });
    expect(quantities(scene, 1240)).toEqual([
      ['MP-CLOUDFILTER', 30],
      ['MP-SAFESEND', 30],
    ]);
  });

  it('refuses a run over maxChangePercent as a whole (exit 3), writing nothing', async () => {
    scene = await startScene({
      edit: (f, t) =>
        f === 'cwsync.yaml'
          ? t.replace(/maxChangePercent: \d+/, 'maxChangePercent: 5').replace(/minManaged: \d+/, 'minManaged: 1')
          : t,
    });
    const refused = await scene.run(['apply', '--yes', '--config', 'config']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^refused: safety limit exceeded; nothing was written\n {2}- \d+ of \d+ managed lines would change/,
    );
    expect(writes(scene)).toEqual([]);
  });
});

describe('apply --plan', () => {
  it('applies the saved plan without reading Mailprotector again', async () => {
    scene = await startScene();
    await scene.run(['plan', '--config', 'config', '--out', 'plan.json']);
    scene.sandbox.mp.requests.length = 0;
    scene.world.mp.userGroups.find((g) => g.name === 'Execs')!.userCount = 6; // usage moves: waits for the next night
    const apply = await scene.run(['apply', '--config', 'config', '--plan', 'plan.json']);
    expect(apply.code).toBe(0);
    expect(writes(scene)).toHaveLength(4);
    expect(scene.sandbox.mp.requests).toEqual([]);
  });

  it('refuses (exit 3, with a diff) when ConnectWise moved since the plan, and writes nothing', async () => {
    scene = await startScene();
    await scene.run(['plan', '--config', 'config', '--out', 'plan.json']);
    scene.world.cw.additions.find((a) => a.agreementId === 1234 && a.quantity === 60)!.quantity = 61;
    const apply = await scene.run(['apply', '--config', 'config', '--plan', 'plan.json']);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toMatch(
      /^refused: ConnectWise changed since the plan plan\.json was saved; nothing was written\n/,
    );
    expect(apply.stderr).toMatch(
      /-agreement 1234: line \d+ product 752 quantity 60\n\+agreement 1234: line \d+ product 752 quantity 61/,
    );
    expect(writes(scene)).toEqual([]);
  });

  it('refuses a saved plan made from another config commit, even one that changes nothing billed', async () => {
    scene = await startScene();
    await scene.run(['plan', '--config', 'config', '--out', 'plan.json']);
    await scene.edit('customers.yaml', (t) => `${t}\n# a reviewed comment\n`);
    const apply = await scene.run(['apply', '--config', 'config', '--plan', 'plan.json']);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toMatch(/was made from config commit [0-9a-f]{40}, but the config is now at [0-9a-f]{40}/);
    expect(writes(scene)).toEqual([]);
  });

  it('refuses a saved plan under a config edited since, even uncommitted with --allow-dirty', async () => {
    scene = await startScene();
    await scene.run(['plan', '--config', 'config', '--out', 'plan.json']);
    await scene.edit('cwsync.yaml', (t) => t.replace(/maxDecreasePercent: \d+/, 'maxDecreasePercent: 100'), false);
    const apply = await scene.run(['apply', '--config', 'config', '--plan', 'plan.json', '--allow-dirty']);
    expect(apply.code).toBe(3);
    expect(apply.stderr).toMatch(/^refused: the config differs from the one the saved plan plan\.json was made with/);
    expect(writes(scene)).toEqual([]);
  });
});

describe('never a duplicate, over HTTP', () => {
  it('settles a create whose answer was lost by reading it back: one POST, one addition', async () => {
    scene = await startScene();
    scene.sandbox.cw.faults.push({ method: 'POST', times: 1, dropAfterServing: true });
    const apply = await scene.run(['apply', '--yes', '--config', 'config']);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('(confirmed by reading it back after the answer was lost)');
    expect(writes(scene).filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(quantities(scene, 1250)).toEqual([
      ['MP-CLOUDFILTER', 23],
      ['MP-CLOUDMAIL', 23],
    ]);
  });

  it('does not re-send a create that got no answer; reports it unknown (exit 1); an immediate re-run waits, one after the settle time creates it', async () => {
    scene = await startScene();
    scene.sandbox.cw.faults.push({ method: 'POST', times: 1, drop: true });
    const first = await scene.run(['apply', '--yes', '--config', 'config']);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('UNKNOWN  create NORTHWIND / Email Security: MP-CLOUDMAIL new -> 23');
    expect(writes(scene).filter((r) => r.method === 'POST')).toHaveLength(1);
    // At once, the line is waited for (it may still land): not created again, exit 1.
    const waiting = await scene.run(['apply', '--yes', '--config', 'config']);
    expect(waiting.code).toBe(1);
    expect(waiting.stdout).toContain('waiting: an earlier create of this line');
    expect(writes(scene).filter((r) => r.method === 'POST')).toHaveLength(1);
    // Once the settle time has passed with it still absent, the next run creates it.
    const state = join(scene.repo, '.git', 'cwsync', 'pending-creates.json');
    const record = JSON.parse(readFileSync(state, 'utf8'));
    record.pending[0].since = '2020-01-01T00:00:00Z';
    writeFileSync(state, JSON.stringify(record));
    const second = await scene.run(['apply', '--yes', '--config', 'config']);
    expect(second.code).toBe(0);
    expect(quantities(scene, 1250)).toEqual([
      ['MP-CLOUDFILTER', 23],
      ['MP-CLOUDMAIL', 23],
    ]);
  });
});

describe('the config must be committed, and one apply at a time', () => {
  it('refuses a dirty config tree (exit 3) unless --allow-dirty', async () => {
    scene = await startScene();
    await scene.edit('customers.yaml', (t) => t.replace('minimum: 25', 'minimum: 26'), false);
    const refused = await scene.run(['apply', '--yes', '--config', 'config']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      'refused: the config directory has changes that are not committed: config/customers.yaml\nfix: commit them (nightly applies run from reviewed config), or pass --allow-dirty\n',
    );
    expect(scene.sandbox.cw.requests).toEqual([]);
    expect((await scene.run(['apply', '--yes', '--config', 'config', '--allow-dirty'])).code).toBe(0);
  });

  it('treats a config outside any git repository as dirty', async () => {
    scene = await startScene();
    const { tempDir } = await import('../helpers/temp.js');
    const outside = tempDir();
    for (const f of ['cwsync.yaml', 'services.yaml', 'customers.yaml'])
      writeFileSync(join(outside, f), readFileSync(join(scene.configDir, f)));
    const refused = await scene.run(['apply', '--yes', '--config', outside]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('refused: the config directory is not in a git repository');
    const plan = JSON.parse((await scene.run(['plan', '--config', outside, '--format', 'json'])).stdout);
    expect(plan.source).toMatchObject({ commit: null, dirty: true, config: expect.stringMatching(/^sha256:/) });
  });

  it('refuses a second apply while another holds the lock, naming it (exit 3)', async () => {
    scene = await startScene();
    const release = await acquireApplyLock(scene.configDir, { waitMs: 0 });
    try {
      const second = await scene.run(['apply', '--yes', '--config', 'config', '--lock-wait', '0']);
      expect(second.code).toBe(3);
      expect(second.stderr).toContain(
        `another cwsync apply holds the lock on this config repository (process ${process.pid}`,
      );
      expect(writes(scene)).toEqual([]);
    } finally {
      release();
    }
    expect((await scene.run(['apply', '--yes', '--config', 'config'])).code).toBe(0);
  });
});
