/** Ports for tests that check what happens when one is taken. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldPort {
  port: number;
  release(): Promise<void>;
}

/**
 * Makes sure `port` on 127.0.0.1 is taken while a test runs: listens on it, or, when another
 * process already holds it, leaves it to that one. Port 0 holds a free port the system picks.
 */
export async function holdPort(port = 0): Promise<HeldPort> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') return { port, release: async () => {} };
    throw err;
  }
  return {
    port: (server.address() as AddressInfo).port,
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
