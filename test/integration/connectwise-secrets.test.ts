/**
 * Secrets at the header, over real HTTP, on both connection paths (`site:` finds the codebase,
 * `url:` does not): the headers as actually sent are logged redacted at trace level, no error
 * quotes a credential or the base64 of the Basic header, and a credential that cannot travel in
 * a header is refused before any request, by its reference.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectWiseSettings } from '../../src/config/types.js';
import { ConnectWiseClient } from '../../src/connectwise/client.js';
import { createLogger } from '../../src/log.js';
import { type FakeConnectWise, startFakeConnectWise } from '../../src/sandbox/fake-connectwise.js';
import { fakeClock } from '../helpers/clock.js';
import { settings, worldWithCompanies } from '../helpers/cw.js';

const SECRETS = { publicKey: 'PUB-k3y-0001', privateKey: 'PRIV-k3y-0002', clientId: 'CID-0003-guid' };
const basic = Buffer.from(`acme+${SECRETS.publicKey}:${SECRETS.privateKey}`).toString('base64');
const forbidden = [...Object.values(SECRETS), basic, basic.slice(0, 24)];

let fake: FakeConnectWise | undefined;
let client: ConnectWiseClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = client = undefined;
});

async function run(path: 'site' | 'url', over: Partial<typeof SECRETS> = {}) {
  const world = worldWithCompanies(3);
  world.publicKey = SECRETS.publicKey;
  world.privateKey = SECRETS.privateKey;
  world.clientIds = [SECRETS.clientId];
  fake = await startFakeConnectWise(world);
  const lines: string[] = [];
  const logger = createLogger('trace', { write: (s: string) => void lines.push(s) });
  const where: Partial<ConnectWiseSettings> = path === 'site' ? { site: fake.origin } : { url: fake.apiBase };
  client = ConnectWiseClient.create(settings(where), { ...SECRETS, ...over }, logger, {
    clock: fakeClock(),
    maxAttempts: 2,
  });
  const outcome = await client.companies(undefined).then(
    (rows) => `${rows.length} companies`,
    (err: Error & { hint?: string }) => `${err.message} ${err.hint ?? ''}`,
  );
  return { outcome, logs: lines.join(''), fake };
}

describe.each(['site', 'url'] as const)('secrets on the %s: path', (path) => {
  it('the headers as sent are logged, redacted: no credential, no base64 of the Basic header', async () => {
    const { outcome, logs, fake } = await run(path);
    expect(outcome).toBe('3 companies');
    // The client really sent them, and really logged its headers.
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Basic ${basic}`);
    expect(logs).toContain('"clientid":"[redacted]"');
    expect(logs).toContain('"authorization":"[redacted]"');
    for (const s of forbidden) expect(logs).not.toContain(s);
  });

  it('a refused key is reported without the key, in the message, the hint or the logs', async () => {
    const { outcome, logs } = await run(path, { privateKey: 'PRIV-wrong-0009' });
    expect(outcome).toContain('failed with HTTP 401 Unauthorized');
    for (const s of [...forbidden, 'PRIV-wrong-0009']) {
      expect(outcome).not.toContain(s);
      expect(logs).not.toContain(s);
    }
  });

  it.each([
    ['a newline', 'CID-0003-guid\n'],
    ['a header smuggled after a line break', 'CID-0003\r\nX-Evil: 1'],
    ['a NUL byte', 'CID\u00000003'],
    ['a non-Latin-1 character', 'CID-0003-gúíd-€'],
  ])('a clientId holding %s is refused by its reference before any request', async (_name, clientId) => {
    const world = worldWithCompanies(1);
    fake = await startFakeConnectWise(world);
    const where: Partial<ConnectWiseSettings> = path === 'site' ? { site: fake.origin } : { url: fake.apiBase };
    let message = '';
    try {
      client = ConnectWiseClient.create(settings({ ...where, clientId: { env: 'CW_CLIENT_ID' } }), {
        ...SECRETS,
        clientId,
      });
    } catch (err) {
      message = `${(err as Error).message} ${(err as { hint?: string }).hint}`;
    }
    expect(message).toContain('connectwise.clientId from env CW_CLIENT_ID holds a control character');
    expect(message).not.toContain('CID');
    expect(fake.requests).toHaveLength(0);
  });
});
