/** No secret is ever printed: not in stdout, stderr (logs at trace), the plan, the markdown or the report. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoWorld } from '../../src/sandbox/demo-data.js';
import { type Scene, startScene } from '../helpers/scene.js';

const SECRETS = {
  CW_PUBLIC_KEY: 'PUBKEY-7f3a91c2e5',
  CW_PRIVATE_KEY: 'PRIVKEY-d84e20b5aa',
  CW_CLIENT_ID: 'CLIENTID-5c1e77aa-4b1f',
  MP_API_KEY: 'MPKEY-a0b9c8d7e6f5',
};
const basic = Buffer.from(`acme+${SECRETS.CW_PUBLIC_KEY}:${SECRETS.CW_PRIVATE_KEY}`).toString('base64');
const forbidden = [...Object.values(SECRETS), basic];

let scene: Scene | undefined;
afterEach(async () => scene?.close());

function expectClean(label: string, text: string) {
  for (const s of forbidden) expect(text.includes(s), `${label} contains a secret`).toBe(false);
}

describe('secrets', () => {
  it('appear nowhere in what plan and apply print or write, on success and on failure', async () => {
    const world = demoWorld();
    world.cw.publicKey = SECRETS.CW_PUBLIC_KEY;
    world.cw.privateKey = SECRETS.CW_PRIVATE_KEY;
    world.cw.clientIds = [SECRETS.CW_CLIENT_ID];
    world.mp.apiKey = SECRETS.MP_API_KEY;
    scene = await startScene({ world });
    const env = { ...SECRETS, CWSYNC_LOG_LEVEL: 'trace' };
    scene.sandbox.cw.faults.push({
      method: 'PATCH',
      path: '/agreements/1260/additions',
      times: 2, // twice: the PATCH is sent again once after a read-back, so this one ends unknown
      status: 500,
      body: { code: 'ConnectWiseApi', message: 'boom' },
    });
    scene.sandbox.mp.faults.push({ times: 1, status: 429, headers: { 'retry-after': '0' } });
    const outputs = [
      await scene.run(['plan', '--config', 'config', '--format', 'text', '--out', 'plan.json'], env),
      await scene.run(['plan', '--config', 'config', '--format', 'markdown'], env),
      await scene.run(['plan', '--config', 'config', '--format', 'json'], env),
      await scene.run(['apply', '--config', 'config', '--report', 'report.json'], env),
      await scene.run(['apply', '--config', 'config', '--plan', 'plan.json'], env),
      await scene.run(['plan', '--config', 'config'], { ...env, CW_PRIVATE_KEY: 'PRIVKEY-wrong-0000' }),
      await scene.run(['plan', '--config', 'config'], { ...env, MP_API_KEY: 'MPKEY-wrong-1111' }),
      await scene.run(['doctor', '--config', 'config'], env),
    ];
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 0, 1, 3, 1, 1, 0]);
    expect(outputs[3]!.stderr).toContain('"level":20'); // debug logs were really written
    outputs.forEach((o, i) => {
      expectClean(`stdout of run ${i}`, o.stdout);
      expectClean(`stderr of run ${i}`, o.stderr);
      expect(o.stdout + o.stderr).not.toContain('wrong-');
    });
    expectClean('plan.json', readFileSync(join(scene.repo, 'plan.json'), 'utf8'));
    expectClean('report.json', readFileSync(join(scene.repo, 'report.json'), 'utf8'));
    // The secrets were really used: the fake saw them.
    expect(scene.sandbox.cw.requests.some((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);
  });
});
