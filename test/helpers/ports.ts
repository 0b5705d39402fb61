/** Ports for tests that check what happens when one is taken. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldPort {
  port: number;
  release(): Promise<void>;
}

/**
 * Makes sure `port` on 127.0.0.1 stays taken while a test runs. When another process holds
 * it (another copy of the suite, a sandbox), that one keeps it, and this takes it over the
 * moment it is let go. Port 0 holds a free port the system picks.
 */
export async function holdPort(port = 0): Promise<HeldPort> {
  const server = createServer();
  let released = false;
  let timer: NodeJS.Timeout | undefined;
  const listen = () =>
    new Promise<boolean>((resolve, reject) => {
      const onError = (err: Error & { code?: string }) => {
        server.off('listening', onListening);
        if (err.code === 'EADDRINUSE') resolve(false);
        else reject(err);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve(true);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, '127.0.0.1');
    });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const takeOver = () => {
    timer = setTimeout(async () => {
      if (released) return;
      if (!(await listen().catch(() => false))) return takeOver();
      if (released) await close();
    }, 5);
  };
  if (!(await listen())) takeOver();
  return {
    port: server.listening ? (server.address() as AddressInfo).port : port,
    release: async () => {
      released = true;
      clearTimeout(timer);
      if (server.listening) await close();
    },
  };
}
