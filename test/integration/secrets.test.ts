/**
 * No secret is ever printed: not in stdout, stderr (logs at trace), the plan, the markdown or
 * the report; not on success, not on failure, on both connection styles (`url:` and `site:`),
 * and not when the secret itself is malformed (a newline inside), written as a literal
 * (a number), or put in a URL.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { demoWorldKeyed, type Scene, startScene } from '../helpers/scene.js';
import { tempDir } from '../helpers/temp.js';

const SECRETS = {
  CW_PUBLIC_KEY: 'PUBKEY-7f3a91c2e5',
  CW_PRIVATE_KEY: 'PRIVKEY-d84e20b5aa',
  CW_CLIENT_ID: 'CLIENTID-5c1e77aa-4b1f',
  MP_API_KEY: 'MPKEY-a0b9c8d7e6f5',
};
const basic = Buffer.from(`acme+${SECRETS.CW_PUBLIC_KEY}:${SECRETS.CW_PRIVATE_KEY}`).toString('base64');
const NUMERIC = '7318240419';
const forbidden = [...Object.values(SECRETS), basic, NUMERIC, 'wrong-', 'second-line'];

let scene: Scene | undefined;
afterEach(async () => scene?.close());

function expectClean(label: string, text: string) {
  for (const s of forbidden) expect(text.includes(s), `${label} contains ${s.slice(0, 6)}...`).toBe(false);
}

describe('secrets', () => {
  it('appear nowhere in what cwsync prints or writes, on success and on failure, with url: and site:', async () => {
    scene = await startScene({ world: demoWorldKeyed(SECRETS) });
    const s = scene;
    const env = { ...SECRETS, CWSYNC_LOG_LEVEL: 'trace' };
    const outputs: Array<[string, CliResult]> = [];
    const run = async (label: string, args: string[], extra: Record<string, string> = {}) => {
      const result = await s.run(args, { ...env, ...extra });
      outputs.push([label, result]);
      return result;
    };
    const cwsyncYaml = readFileSync(join(s.configDir, 'cwsync.yaml'), 'utf8');
    const setCwsync = (change: (text: string) => string) => s.edit('cwsync.yaml', () => change(cwsyncYaml));
    const urlLine = /^ {2}url: (http:\/\/127\.0\.0\.1:\d+)\/v4_6_release\/apis\/3\.0$/m;
    const cwOrigin = urlLine.exec(cwsyncYaml)![1]!;

    // The url: style, with a failing write and a throttled read on the way.
    s.sandbox.cw.faults.push({
      method: 'PATCH',
      path: '/agreements/1260/additions',
      times: 2, // twice: the PATCH is sent again once after a read-back, so this one ends unknown
      status: 500,
      body: { code: 'ConnectWiseApi', message: 'x' },
    });
    s.sandbox.mp.faults.push({ times: 1, status: 429, headers: { 'retry-after': '0' } });
    const codes = [
      (await run('plan text', ['plan', '--config', 'config', '--format', 'text', '--out', 'plan.json'])).code,
      (await run('plan markdown', ['plan', '--config', 'config', '--format', 'markdown'])).code,
      (await run('plan json', ['plan', '--config', 'config', '--format', 'json'])).code,
      (await run('apply', ['apply', '--yes', '--config', 'config', '--report', 'report.json'])).code,
      (await run('apply stale plan', ['apply', '--config', 'config', '--plan', 'plan.json'])).code,
      (await run('wrong CW key', ['plan', '--config', 'config'], { CW_PRIVATE_KEY: 'PRIVKEY-wrong-0000' })).code,
      (await run('wrong MP key', ['plan', '--config', 'config'], { MP_API_KEY: 'MPKEY-wrong-1111' })).code,
      (await run('doctor', ['doctor', '--config', 'config'])).code,
    ];
    expect(codes).toEqual([0, 0, 0, 1, 3, 1, 1, 0]);
    expect(outputs[3]![1].stderr).toContain('"level":20'); // debug logs were really written

    // The site: style: the codebase is looked up first, then the same headers are sent.
    await setCwsync((t) => t.replace(urlLine, `  site: ${cwOrigin}`));
    const before = s.sandbox.cw.requests.length;
    const site = [
      await run('site plan', ['plan', '--config', 'config', '--format', 'markdown', '--out', 'plan-site.json']),
      await run('site apply', ['apply', '--yes', '--config', 'config', '--report', 'report-site.json']),
      await run('site wrong CW key', ['plan', '--config', 'config'], { CW_PRIVATE_KEY: 'PRIVKEY-wrong-2222' }),
      await run('site doctor', ['doctor', '--config', 'config']),
    ];
    expect(site.map((r) => r.code)).toEqual([0, 0, 1, 0]);
    const siteRequests = s.sandbox.cw.requests.slice(before);
    expect(siteRequests.some((r) => r.path.startsWith('/login/companyinfo/'))).toBe(true);
    expect(siteRequests.some((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);

    // A secret holding a newline, from the environment and from a file, is refused before use.
    const newline = await run('newline in env', ['plan', '--config', 'config'], {
      CW_CLIENT_ID: `${SECRETS.CW_CLIENT_ID}\nX-Injected: 1`,
    });
    expect(newline.code).toBe(1);
    expect(newline.stderr).toContain('error: connectwise.clientId from env CW_CLIENT_ID holds a line break');
    const keyFile = join(tempDir(), 'cw-private.key');
    writeFileSync(keyFile, `${SECRETS.CW_PRIVATE_KEY}\n`);
    await setCwsync((t) => t.replace('privateKey: { env: CW_PRIVATE_KEY }', `privateKey: { file: ${keyFile} }`));
    const fromFile = await run('key file with one newline', ['plan', '--config', 'config']);
    expect(fromFile.code).toBe(0);
    writeFileSync(keyFile, `${SECRETS.CW_PRIVATE_KEY}\nsecond-line\n`);
    const twoLines = await run('key file with two lines', ['plan', '--config', 'config']);
    expect(twoLines.code).toBe(1);
    expect(twoLines.stderr).toContain(`error: connectwise.privateKey from file ${keyFile} holds a line break`);

    // A literal number where a reference belongs.
    await setCwsync((t) => t.replace('publicKey: { env: CW_PUBLIC_KEY }', `publicKey: ${NUMERIC}`));
    const numeric = await run('numeric literal', ['plan', '--config', 'config']);
    expect(numeric.code).toBe(1);
    expect(numeric.stderr).toMatch(/config\/cwsync\.yaml:\d+:\d+: connectwise\.publicKey is a literal value/);

    // Credentials in a URL, on both connection styles.
    const userinfo = `acme+${SECRETS.CW_PUBLIC_KEY}:${SECRETS.CW_PRIVATE_KEY}@`;
    await setCwsync((t) =>
      t.replace(
        urlLine,
        (_m, origin: string) => `  url: ${origin.replace('//', `//${userinfo}`)}/v4_6_release/apis/3.0`,
      ),
    );
    const inUrl = await run('credentials in url', ['plan', '--config', 'config']);
    await setCwsync((t) => t.replace(urlLine, `  site: ${cwOrigin.replace('//', `//${userinfo}`)}`));
    const inSite = await run('credentials in site', ['validate', '--config', 'config']);
    expect([inUrl.code, inSite.code]).toEqual([1, 1]);
    expect(inUrl.stderr).toMatch(/config\/cwsync\.yaml:\d+:\d+: connectwise\.url holds credentials/);
    expect(inSite.stderr).toMatch(/config\/cwsync\.yaml:\d+:\d+: connectwise\.site holds credentials/);

    for (const [label, o] of outputs) {
      expectClean(`stdout of ${label}`, o.stdout);
      expectClean(`stderr of ${label}`, o.stderr);
      expect(o.stderr, label).not.toContain('internal error');
    }
    for (const file of ['plan.json', 'report.json', 'plan-site.json', 'report-site.json'])
      expectClean(file, readFileSync(join(s.repo, file), 'utf8'));
    // The secrets were really used: the fake saw them.
    expect(s.sandbox.cw.requests.some((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);
    expect(s.sandbox.cw.requests.some((r) => r.headers.clientid === SECRETS.CW_CLIENT_ID)).toBe(true);
  });
});
