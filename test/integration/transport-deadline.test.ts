/**
 * One request's deadline covers the whole answer: a server that sends its headers, then a byte
 * now and then, cannot hold a call longer than timeoutSeconds (a timeout between chunks alone only
 * bounds the gap between chunks). Real HTTP on loopback; the deadline is 150 ms. Without it the
 * answer never ends, and the test fails on its own timeout.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/http/errors.js';
import { Transport } from '../../src/http/transport.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('a trickling answer', () => {
  it('fails as "timed out" within the deadline instead of being read for as long as it lasts', async () => {
    let timer: NodeJS.Timeout | undefined;
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      // One byte every 20 ms: never a 150 ms gap, so only an overall deadline ends it.
      timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const transport = new Transport({ service: 'Test', timeoutMs: 150, maxAttempts: 1 });
    const err = await transport.request({ method: 'POST', url: `http://127.0.0.1:${port}/x`, body: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await transport.close();
    clearInterval(timer);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toContain('timed out');
  });
});
