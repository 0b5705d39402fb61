import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function capture(level = 'info') {
  const lines: string[] = [];
  const log = createLogger(level, { write: (s: string) => void lines.push(s) });
  return { log, out: () => lines.join('') };
}

describe('logger redaction', () => {
  it('censors credentials wherever they sit, by configuration', () => {
    const { log, out } = capture();
    log.info(
      {
        headers: { authorization: 'Basic c2VjcmV0', clientId: 'cid-123' },
        apiKey: 'mp-key',
        request: { headers: { Authorization: 'Bearer tok' } },
        privateKey: 'pk',
        path: '/x',
      },
      'call',
    );
    for (const secret of ['c2VjcmV0', 'cid-123', 'mp-key', 'Bearer tok', '"pk"']) expect(out()).not.toContain(secret);
    expect(JSON.parse(out())).toMatchObject({
      headers: { authorization: '[redacted]', clientId: '[redacted]' },
      apiKey: '[redacted]',
      path: '/x',
    });
  });

  it('covers the headers as actually sent, in any case and at any depth', () => {
    const { log, out } = capture();
    log.info(
      {
        headers: { clientid: 'cid-lower', ClientID: 'cid-mixed', 'X-Api-Key': 'xk-1', accept: 'application/json' },
        deep: { a: { b: { c: { headers: { AUTHORIZATION: 'Basic ZGVlcA==' } } } } },
        list: [{ Client_Id: 'cid-list' }],
        sent: new Headers({ authorization: 'Bearer in-headers', clientid: 'cid-headers' }),
      },
      'request',
    );
    for (const secret of ['cid-lower', 'cid-mixed', 'xk-1', 'ZGVlcA==', 'cid-list', 'in-headers', 'cid-headers'])
      expect(out()).not.toContain(secret);
    expect(JSON.parse(out())).toMatchObject({
      headers: { clientid: '[redacted]', ClientID: '[redacted]', accept: 'application/json' },
      sent: { authorization: '[redacted]', clientid: '[redacted]' },
    });
  });

  it('censors a Basic or Bearer credential whatever field holds it, and secret names bound to a child', () => {
    const { log, out } = capture();
    log.child({ clientid: 'cid-child' }).info({ note: 'Basic YWNtZStwdWI6cHJpdg==', other: 'Basic plan' }, 'x');
    expect(out()).not.toContain('cid-child');
    expect(out()).not.toContain('YWNtZStwdWI6cHJpdg==');
    // Only the credential shape is censored, not every use of the word.
    expect(JSON.parse(out())).toMatchObject({ note: '[redacted]', other: 'Basic plan', clientid: '[redacted]' });
  });
});
