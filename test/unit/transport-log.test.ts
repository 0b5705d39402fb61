/**
 * The transport makes its request and response log records only when their level is on (at
 * 20,000 customers there are 100,000 requests); at trace and debug they are as before, the
 * credentials redacted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transport } from '../../src/http/transport.js';
import { createLogger } from '../../src/log.js';

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function logged(level: string) {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (s: string) => void lines.push(s) });
  const transport = new Transport({ service: 'Test', logger, maxAttempts: 1 });
  try {
    const res = await transport.request({
      method: 'GET',
      url: `${base}/things?page=1`,
      headers: { authorization: 'Basic c2VjcmV0LWtleQ==' },
    });
    expect(res.body).toEqual({ ok: true });
  } finally {
    await transport.close();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('transport log records', () => {
  it('at trace: the request with its headers redacted, then the response', async () => {
    const records = await logged('trace');
    const request = records.find((r) => r.msg === 'request');
    expect(request).toMatchObject({ service: 'Test', method: 'GET', headers: { authorization: '[redacted]' } });
    expect(String(request?.path)).toContain('/things');
    expect(records.find((r) => r.msg === 'response')).toMatchObject({ service: 'Test', method: 'GET', status: 200 });
    expect(JSON.stringify(records)).not.toContain('c2VjcmV0LWtleQ==');
  });

  it('at debug: the response only; at info: neither', async () => {
    expect((await logged('debug')).map((r) => r.msg)).toEqual(['response']);
    expect((await logged('info')).map((r) => r.msg)).toEqual([]);
  });
});
