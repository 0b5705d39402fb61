import { describe, expect, it } from 'vitest';
import { tuningKeys } from '../../src/adapters/registry.js';
import { connectionChanges, connectionOf } from '../../src/config/connection.js';

const base = () => ({
  connectwise: {
    url: 'https://cw.example.com/v4_6_release/apis/3.0',
    company: 'acme',
    publicKey: { env: 'CW_PUBLIC_KEY' },
    privateKey: { env: 'CW_PRIVATE_KEY' },
    clientId: { env: 'CW_CLIENT_ID' },
    apiVersion: '2025.1',
    concurrency: 4,
    timeoutSeconds: 30,
  },
  usage: {
    mailprotector: {
      url: 'https://emailservice.io/api/v1',
      apiKey: { env: 'MP_API_KEY' },
      reseller: 343,
      requestsPerSecond: 5,
      concurrency: 4,
      timeoutSeconds: 30,
    },
  },
  policy: { createMissing: true, onZero: 'zero' },
});

type Doc = ReturnType<typeof base> & Record<string, unknown>;
const changed = (edit: (d: Doc) => void) => {
  const head = base() as Doc;
  edit(head);
  return connectionChanges(base(), head, tuningKeys());
};

describe('the connection a pull request may not change', () => {
  it('is unchanged when only policy changes', () => {
    expect(changed((d) => Object.assign(d.policy, { onZero: 'cancel', createMissing: false }))).toEqual([]);
  });

  it('names a changed ConnectWise url, site or company', () => {
    expect(changed((d) => (d.connectwise.url = 'http://127.0.0.1:9/apis/3.0'))).toEqual(['connectwise.url']);
    expect(changed((d) => Object.assign(d.connectwise, { site: 'evil.example' }))).toEqual(['connectwise.site']);
    expect(changed((d) => (d.connectwise.company = 'other'))).toEqual(['connectwise.company']);
  });

  it('names a secret that moves to another reference, env to file or env to env', () => {
    expect(changed((d) => (d.connectwise.privateKey = { file: '/etc/hostname' } as never))).toEqual([
      'connectwise.privateKey',
    ]);
    expect(changed((d) => (d.connectwise.publicKey = { env: 'CW_PRIVATE_KEY' }))).toEqual(['connectwise.publicKey']);
    expect(changed((d) => (d.connectwise.clientId = { env: 'OTHER' }))).toEqual(['connectwise.clientId']);
    expect(changed((d) => (d.usage.mailprotector.apiKey = { env: 'CW_PRIVATE_KEY' }))).toEqual([
      'usage.mailprotector.apiKey',
    ]);
  });

  it('names two secrets that swap places, each of them', () => {
    expect(
      changed((d) => {
        d.connectwise.publicKey = { env: 'CW_PRIVATE_KEY' };
        d.connectwise.privateKey = { env: 'CW_PUBLIC_KEY' };
      }),
    ).toEqual(['connectwise.privateKey', 'connectwise.publicKey']);
  });

  it('names the Mailprotector url, reseller, and a switch to usage.file', () => {
    expect(changed((d) => (d.usage.mailprotector.url = 'https://mp.evil.example/api/v1'))).toEqual([
      'usage.mailprotector.url',
    ]);
    expect(changed((d) => (d.usage.mailprotector.reseller = 1))).toEqual(['usage.mailprotector.reseller']);
    const toFile = changed((d) => {
      d.usage = { file: 'usage.json' } as never;
    });
    expect(toFile).toContain('usage.file');
    expect(toFile).toContain('usage.mailprotector.apiKey');
  });

  it('names read-only key references and any key it does not know under connectwise or usage', () => {
    expect(
      changed((d) => Object.assign(d.connectwise, { readOnly: { publicKey: { env: 'A' }, privateKey: { env: 'B' } } })),
    ).toEqual(['connectwise.readOnly.privateKey', 'connectwise.readOnly.publicKey']);
    expect(changed((d) => Object.assign(d.connectwise, { proxy: 'http://10.0.0.1:3128' }))).toEqual([
      'connectwise.proxy',
    ]);
    expect(changed((d) => (d.connectwise.apiVersion = '2019.5'))).toEqual(['connectwise.apiVersion']);
  });

  it('lets a pull request tune concurrency, rate and timeouts', () => {
    expect(
      changed((d) => {
        d.connectwise.concurrency = 8;
        d.connectwise.timeoutSeconds = 90;
        Object.assign(d.usage.mailprotector, { requestsPerSecond: 2, concurrency: 1, timeoutSeconds: 60 });
      }),
    ).toEqual([]);
  });

  it("lets a pull request change ConnectWise's write policy (billCustomer, effectiveDate: policy: before they moved), each adapter naming its own tuning", () => {
    expect(changed((d) => Object.assign(d.connectwise, { billCustomer: 'NoCharge', effectiveDate: 'today' }))).toEqual(
      [],
    );
    expect(tuningKeys()).toContain('usage.mailprotector.requestsPerSecond');
    // Where the in-memory billing system keeps its state is where writes go: connection.
    expect(connectionChanges({ memory: { state: 'a.json' } }, { memory: { state: 'b.json' } }, tuningKeys())).toEqual([
      'memory.state',
    ]);
  });

  it('compares values, not key order', () => {
    const head = base();
    head.connectwise = { ...head.connectwise };
    const reordered = Object.fromEntries(Object.entries(head.connectwise).reverse());
    expect(connectionChanges(base(), { ...head, connectwise: reordered }, tuningKeys())).toEqual([]);
  });

  it('treats a base with no connection as differing in every key, and never returns a value', () => {
    const keys = connectionChanges({}, base(), tuningKeys());
    expect(keys).toContain('connectwise.url');
    expect(keys).toContain('usage.mailprotector.apiKey');
    expect(keys.join(' ')).not.toContain('example');
    expect(connectionChanges('not a document', base(), tuningKeys()).length).toBe(keys.length);
  });

  it('takes a secret reference as one value', () => {
    expect([...connectionOf(base(), tuningKeys()).keys()]).toContain('connectwise.privateKey');
    expect([...connectionOf(base(), tuningKeys()).keys()].some((k) => k.endsWith('.env'))).toBe(false);
  });
});
