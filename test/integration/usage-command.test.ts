/** `cwsync usage` run in process (the same program as the binary), and the file source reading its JSON back unchanged. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answerFault, type FakeMailprotector, startFakeMailprotector } from '../../src/sandbox/fake-mailprotector.js';
import { TEST_ENV, writeConfig } from '../helpers/config.js';
import { runInProcess } from '../helpers/in-process.js';
import { tempDir } from '../helpers/temp.js';
import { generateScenario } from '../support/scenario.js';

let fake: FakeMailprotector | undefined;
afterEach(async () => fake?.close());

/** A generated world, one of its user groups also holding a service Mailprotector never listed, served by the fake. */
async function startWorld(o: { customers: number; userGroupsPerCustomer: number; services: number; seed: number }) {
  const { world } = generateScenario({ ...o, drift: 0, missing: 0 });
  world.mp.services.push({ id: 999_999, userGroupId: world.mp.userGroups[0]!.id, serviceType: 'Quantum Shield' });
  const mp = await startFakeMailprotector(world.mp);
  fake = mp;
  return { world, mp };
}

describe('cwsync usage', () => {
  it('round-trips: the JSON it prints, read back as usage.file, gives the identical snapshot', async () => {
    const { world, mp } = await startWorld({ customers: 60, userGroupsPerCustomer: 3, services: 5, seed: 11 });
    const dir = tempDir();
    writeConfig(join(dir, 'live'), { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', mpUrl: mp.apiBase });
    // --quiet: a slow machine's progress lines (every ~10 s off a terminal) are not warnings.
    const live = await runInProcess(['usage', '--config', 'live', '--format', 'json', '--quiet'], {
      cwd: dir,
      env: { ...TEST_ENV, CW_PUBLIC_KEY: undefined, CW_PRIVATE_KEY: undefined, CW_CLIENT_ID: undefined },
    });
    expect(live.code).toBe(0);
    // stderr holds only the warnings, one per user group with users and no services.
    const bare = world.mp.userGroups.filter(
      (g) => g.userCount > 0 && !world.mp.services.some((s) => s.userGroupId === g.id),
    );
    const warnings = live.stderr.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(bare.length);
    expect(
      warnings.every((w) =>
        /^warning: Mailprotector user group ".*" \(id \d+\) of .* has \d+ users and no services/.test(w),
      ),
    ).toBe(true);
    const snapshot = JSON.parse(live.stdout) as { formatVersion: number; capturedAt: string; customers: unknown[] };
    expect(snapshot.formatVersion).toBe(1);
    expect(snapshot.capturedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(snapshot.customers).toHaveLength(60);

    writeConfig(join(dir, 'file'), { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', usageFile: 'usage.json' });
    writeFileSync(join(dir, 'file', 'usage.json'), live.stdout);
    const fromFile = await runInProcess(['usage', '--config', 'file', '--format', 'json'], { cwd: dir, env: {} });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toBe(live.stdout);
    expect(readFileSync(join(dir, 'file', 'usage.json'), 'utf8')).toBe(fromFile.stdout);
  });

  it('prints a readable table, then every service seen with its users and what services.yaml says of it', async () => {
    const { world, mp } = await startWorld({ customers: 2, userGroupsPerCustomer: 1, services: 3, seed: 2 });
    const dir = tempDir();
    writeConfig(dir, {
      cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0',
      mpUrl: mp.apiBase,
      services: 'services:\n  CloudFilter: MP-CLOUDFILTER\n  XtraMail: null\n',
    });
    const result = await runInProcess(['usage', '--config', dir], { env: TEST_ENV });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const users = (n: number) => world.mp.userGroups[n]!.userCount;
    const pad = (n: number) => String(n).padStart(5);
    const both = users(0) + users(1);
    expect(result.stdout.replace(/, read \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/, ', read TIME\n')).toBe(
      [
        'Mailprotector reseller 343: 2 customers, 2 user groups, read TIME',
        '',
        'CUSTOMER                SERVICE                   USERS',
        `Customer 00001 (10001)  Bracket                   ${pad(users(0))}`,
        `                        CloudFilter               ${pad(users(0))}`,
        `                        Quantum Shield (unknown)  ${pad(users(0))}`,
        `                        SafeSend                  ${pad(users(0))}`,
        `Customer 00002 (10002)  Bracket                   ${pad(users(1))}`,
        `                        CloudFilter               ${pad(users(1))}`,
        `                        SafeSend                  ${pad(users(1))}`,
        '',
        'SERVICE         USERS  CUSTOMERS  SERVICES.YAML',
        `Bracket         ${String(both).padStart(5)}          2  NOT MAPPED: add it to services.yaml (a product, or null for Not Assigned)`,
        `CloudFilter     ${String(both).padStart(5)}          2  MP-CLOUDFILTER`,
        `Quantum Shield  ${String(users(0)).padStart(5)}          1  UNKNOWN to cwsync: report it; it cannot be mapped yet`,
        `SafeSend        ${String(both).padStart(5)}          2  NOT MAPPED: add it to services.yaml (a product, or null for Not Assigned)`,
        '',
        'warning: Mailprotector reports service "Quantum Shield", which cwsync does not know (Customer 00001)',
        '',
      ].join('\n'),
    );
  });

  it('prints capturedAt in JSON, warnings on stderr, and a user group with users and no services as one', async () => {
    const { world } = generateScenario({
      customers: 1,
      userGroupsPerCustomer: 1,
      services: 1,
      drift: 0,
      missing: 0,
      seed: 3,
    });
    world.mp.services = [];
    fake = await startFakeMailprotector(world.mp);
    const dir = tempDir();
    writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', mpUrl: fake.apiBase });
    // The clock is the test's (only Date: timers and sockets run as usual), so capturedAt is exact.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-26T02:17:00.750Z') });
    let result: Awaited<ReturnType<typeof runInProcess>>;
    try {
      result = await runInProcess(['usage', '--config', dir, '--format', 'json'], { env: TEST_ENV });
    } finally {
      vi.useRealTimers();
    }
    expect(result.code).toBe(0);
    const snapshot = JSON.parse(result.stdout) as { capturedAt: string };
    expect(snapshot.capturedAt).toBe('2026-11-26T02:17:00Z');
    expect(result.stderr).toBe(
      `warning: Mailprotector user group "Group 1" (id ${world.mp.userGroups[0]!.id}) of Customer 00001, domain customer1.example, has ${world.mp.userGroups[0]!.userCount} users and no services, so they count towards no product; check its services in the Mailprotector console\n`,
    );
  });

  it('fails loudly, naming the call, when Mailprotector answers an HTML page', async () => {
    const { world } = generateScenario({
      customers: 1,
      userGroupsPerCustomer: 1,
      services: 1,
      drift: 0,
      missing: 0,
      seed: 3,
    });
    fake = await startFakeMailprotector(world.mp);
    fake.faults.push(answerFault('html', /\/customers$/));
    const dir = tempDir();
    writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', mpUrl: fake.apiBase });
    const result = await runInProcess(['usage', '--config', dir, '--quiet'], { env: TEST_ENV });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'Mailprotector list customers of reseller 343 (GET /api/v1/resellers/343/customers?page=1&per_page=25) answered with something cwsync does not understand: expected a JSON list of customers {id: number, name: string}; got HTTP 200 text/html, 99 bytes: a body that is not JSON (not a list)',
    );
    expect(result.stderr).not.toContain('Proxy login');
  });

  it('fails with the variable name when the API key is not set', async () => {
    const dir = tempDir();
    writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', mpUrl: 'http://127.0.0.1:1/api/v1' });
    const result = await runInProcess(['usage', '--config', dir], { env: { MP_API_KEY: undefined } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: usage.mailprotector.apiKey from env MP_API_KEY is not set\nfix: set MP_API_KEY (in GitHub Actions: a secret the workflow step passes as env; docs/setup.md lists where each lives)\n',
    );
  });
});
