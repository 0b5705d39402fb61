/** Builders for ConnectWise sandbox worlds used by the integration tests. */
import type { ConnectWiseSettings } from '../../src/config/types.js';
import { type ClientOptions, ConnectWiseClient } from '../../src/connectwise/client.js';
import { type CwWorld, emptyCwWorld } from '../../src/sandbox/world.js';
import { fakeClock } from './clock.js';

export function worldWithCompanies(n: number, extra: Partial<CwWorld> = {}): CwWorld {
  const world = emptyCwWorld(extra);
  for (let i = 1; i <= n; i++)
    world.companies.push({
      id: i,
      identifier: `CUST${String(i).padStart(5, '0')}`,
      name: `Customer ${i} Ltd`,
      deletedFlag: false,
    });
  return world;
}

export function settings(over: Partial<ConnectWiseSettings> = {}): ConnectWiseSettings {
  return {
    company: 'acme',
    apiVersion: '2025.1',
    concurrency: 4,
    publicKey: { env: 'X' },
    privateKey: { env: 'X' },
    clientId: { env: 'X' },
    ...over,
  };
}

export function clientFor(
  world: CwWorld,
  over: Partial<ConnectWiseSettings>,
  creds: Partial<{ publicKey: string; privateKey: string; clientId: string }> = {},
  options: ClientOptions = {},
): ConnectWiseClient {
  return ConnectWiseClient.create(
    settings(over),
    { publicKey: world.publicKey, privateKey: world.privateKey, clientId: world.clientIds[0]!, ...creds },
    undefined,
    { clock: fakeClock(), timeoutMs: 5_000, ...options },
  );
}
