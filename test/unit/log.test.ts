import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

describe('logger redaction', () => {
  it('censors credentials wherever they sit, by configuration', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (s: string) => void lines.push(s) });
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
    const out = lines.join('');
    for (const secret of ['c2VjcmV0', 'cid-123', 'mp-key', 'Bearer tok', '"pk"']) expect(out).not.toContain(secret);
    expect(JSON.parse(out)).toMatchObject({
      headers: { authorization: '[redacted]', clientId: '[redacted]' },
      apiKey: '[redacted]',
      path: '/x',
    });
  });
});
