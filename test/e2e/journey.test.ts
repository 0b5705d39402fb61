/**
 * The journey through the real binary, a spawned process per command as a user runs it: plan,
 * apply with a report, plan again shows nothing to do; logs at trace on the process's own
 * stderr, and no secret in anything it prints or writes. Every other plan/apply journey runs in
 * process (test/integration/plan-apply.test.ts, secrets.test.ts): the same program, cheaper.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoWorldKeyed, type Scene, startScene, writes } from '../helpers/scene.js';

const SECRETS = {
  CW_PUBLIC_KEY: 'PUBKEY-2c9e41d07b',
  CW_PRIVATE_KEY: 'PRIVKEY-6a1f03c9e2',
  CW_CLIENT_ID: 'CLIENTID-93b2d4e1-7c0a',
  MP_API_KEY: 'MPKEY-5e4d3c2b1a09',
};

let scene: Scene | undefined;
afterEach(async () => {
  await scene?.close();
  scene = undefined;
});

describe('the binary', () => {
  it('plans, applies with a report, then plans no changes, logging at trace and printing no secret', async () => {
    scene = await startScene({ world: demoWorldKeyed(SECRETS) });
    const env = { ...SECRETS, CWSYNC_LOG_LEVEL: 'trace' };

    const plan = await scene.runBinary(['plan', '--config', 'config', '--detailed-exitcode'], env);
    expect(plan.code).toBe(2);
    expect(plan.stdout.split('\n')[0]).toMatch(/^4 changes on 4 agreements/);
    expect(writes(scene)).toEqual([]);

    const apply = await scene.runBinary(['apply', '--yes', '--config', 'config', '--report', 'report.json'], env);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('applied  create NORTHWIND / Email Security: MP-CLOUDMAIL new -> 23');
    expect(apply.stderr).toContain('"level":10'); // trace logs really reached the process's stderr
    const report = readFileSync(join(scene.repo, 'report.json'), 'utf8');
    expect(JSON.parse(report)).toMatchObject({ summary: { applied: 4, failed: 0, unknown: 0 } });

    const again = await scene.runBinary(['plan', '--config', 'config', '--detailed-exitcode'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes/);

    const basic = Buffer.from(`acme+${SECRETS.CW_PUBLIC_KEY}:${SECRETS.CW_PRIVATE_KEY}`).toString('base64');
    const printed = [plan, apply, again].flatMap((r) => [r.stdout, r.stderr]).join('\n') + report;
    for (const secret of [...Object.values(SECRETS), basic]) expect(printed).not.toContain(secret);
    // The secrets were really used.
    expect(scene.sandbox.cw.requests.some((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);
  });
});
