/** `cwsync usage` as a user runs it, and the file source reading its JSON back unchanged. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMailprotector, startFakeMailprotector } from '../../src/sandbox/fake-mailprotector.js';
import { generateScenario } from '../../src/sandbox/scenario.js';
import { runCli } from '../helpers/cli.js';
import { TEST_ENV, writeConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/temp.js';

let fake: FakeMailprotector | undefined;
afterEach(async () => fake?.close());

describe('cwsync usage', () => {
  it('round-trips: the JSON it prints, read back as usage.file, gives the identical snapshot', async () => {
    const { world } = generateScenario({
      customers: 60,
      userGroupsPerCustomer: 3,
      services: 5,
      drift: 0,
      missing: 0,
      seed: 11,
    });
    world.mp.services.push({ id: 999_999, userGroupId: world.mp.userGroups[0]!.id, serviceType: 'Quantum Shield' });
    fake = await startFakeMailprotector(world.mp);
    const dir = tempDir();
    writeConfig(join(dir, 'live'), { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', mpUrl: fake.apiBase });
    const live = await runCli(['usage', '--config', 'live', '--format', 'json'], {
      cwd: dir,
      env: { ...TEST_ENV, CW_PUBLIC_KEY: undefined, CW_PRIVATE_KEY: undefined, CW_CLIENT_ID: undefined },
    });
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const snapshot = JSON.parse(live.stdout) as { formatVersion: number; customers: unknown[] };
    expect(snapshot.formatVersion).toBe(1);
    expect(snapshot.customers).toHaveLength(60);

    writeConfig(join(dir, 'file'), { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', usageFile: 'usage.json' });
    writeFileSync(join(dir, 'file', 'usage.json'), live.stdout);
    const fromFile = await runCli(['usage', '--config', 'file', '--format', 'json'], { cwd: dir, env: {} });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toBe(live.stdout);
    expect(readFileSync(join(dir, 'file', 'usage.json'), 'utf8')).toBe(fromFile.stdout);
  });

  it('prints a readable table, with unknown services called out', async () => {
    const { world } = generateScenario({
      customers: 2,
      userGroupsPerCustomer: 1,
      services: 2,
      drift: 0,
      missing: 0,
      seed: 2,
    });
    world.mp.services.push({ id: 999_999, userGroupId: world.mp.userGroups[0]!.id, serviceType: 'Quantum Shield' });
    fake = await startFakeMailprotector(world.mp);
    const dir = tempDir();
    writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', mpUrl: fake.apiBase });
    const result = await runCli(['usage', '--config', dir], { env: TEST_ENV });
    const users = (n: number) => world.mp.userGroups[n]!.userCount;
    expect(result.stdout).toBe(
      [
        'Mailprotector reseller 343: 2 customers, 2 user groups',
        '',
        'CUSTOMER                SERVICE                   USERS',
        `Customer 00001 (10001)  CloudFilter               ${String(users(0)).padStart(5)}`,
        `                        Quantum Shield (unknown)  ${String(users(0)).padStart(5)}`,
        `                        SafeSend                  ${String(users(0)).padStart(5)}`,
        `Customer 00002 (10002)  CloudFilter               ${String(users(1)).padStart(5)}`,
        `                        SafeSend                  ${String(users(1)).padStart(5)}`,
        '',
        'warning: Mailprotector reports service "Quantum Shield", which cwsync does not know (Customer 00001)',
        '',
      ].join('\n'),
    );
  });

  it('fails with the variable name when the API key is not set', async () => {
    const dir = tempDir();
    writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/v4_6_release/apis/3.0', mpUrl: 'http://127.0.0.1:1/api/v1' });
    const result = await runCli(['usage', '--config', dir], { env: { MP_API_KEY: undefined } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: usage.mailprotector.apiKey refers to the environment variable MP_API_KEY, which is not set\nfix: set MP_API_KEY (in GitHub Actions: a repository secret passed as env)\n',
    );
  });
});
