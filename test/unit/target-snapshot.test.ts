/**
 * A ConnectWise snapshot named on the command line is read like every such file (regular file,
 * size cap, shape, safe integers) and refused (exit 3) when it is not this tenant's, too old or
 * from the future; as a billing target it resolves by the live rules and never writes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/run.js';
import type { Binding, ConnectWiseSettings } from '../../src/config/types.js';
import { SnapshotIsReadOnly, SnapshotTarget } from '../../src/connectwise/snapshot-target.js';
import { loadTargetSnapshot, type TargetSnapshot } from '../../src/connectwise/target-snapshot.js';
import { tempDir } from '../helpers/temp.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const DAY = 86_400_000;

const settings = {
  url: 'https://cw.example.com/v4_6_release/apis/3.0',
  company: 'acme',
} as ConnectWiseSettings;

function snapshot(over: Partial<TargetSnapshot> = {}): TargetSnapshot {
  return {
    formatVersion: 1,
    kind: 'cwsync-target-snapshot',
    capturedAt: '2026-12-02T02:17:00Z',
    connectwise: { url: settings.url!, company: 'acme' },
    companies: [
      { id: 250, identifier: 'CONTOSO', name: 'Contoso Ltd.' },
      { id: 251, identifier: 'FABRIKAM', name: 'Fabrikam, Inc.' },
    ],
    agreements: [
      {
        id: 1234,
        name: 'Email Security',
        agreementStatus: 'Active',
        company: { id: 250, identifier: 'CONTOSO', name: 'Contoso Ltd.' },
      },
      {
        id: 1240,
        name: 'Managed Email',
        agreementStatus: 'Active',
        company: { id: 251, identifier: 'FABRIKAM', name: 'Fabrikam, Inc.' },
      },
    ],
    catalog: {
      identifiers: ['MP-CLOUDFILTER', 'MP-GONE'],
      items: [
        { id: 752, identifier: 'MP-CLOUDFILTER', price: 3.5 },
        { id: 757, identifier: 'MP-CLOUDFILTER', inactiveFlag: true },
      ],
    },
    additions: [
      {
        agreementId: 1234,
        lines: [
          { id: 1, product: { id: 752 }, quantity: 60, unitPrice: 3.5, cancelledDate: null },
          { id: 2, product: { id: 900 }, quantity: 12, unitPrice: 22, cancelledDate: null },
        ],
      },
    ],
    ...over,
  };
}

function file(content: string | object): string {
  const path = join(tempDir('cwsync-target-'), 'target.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const load = (path: string, maxAgeMs = DAY) => loadTargetSnapshot(path, settings, maxAgeMs, NOW);

/** The exit code and text a user would see. */
function refusal(path: string, maxAgeMs = DAY) {
  try {
    load(path, maxAgeMs);
  } catch (err) {
    return describeError(err);
  }
  throw new Error('expected a refusal');
}

describe('reading --target-snapshot', () => {
  it('reads a well-formed snapshot of this tenant', () => {
    expect(load(file(snapshot())).companies).toHaveLength(2);
  });

  it.each([
    ['a directory', () => tempDir(), 'is a directory'],
    [
      'a named pipe',
      () => {
        const p = join(tempDir(), 'fifo');
        execFileSync('mkfifo', [p]);
        return p;
      },
      'named pipe',
    ],
    ['a missing file', () => join(tempDir(), 'nope.json'), 'does not exist'],
    ['text that is not JSON', () => file('{"formatVersion": 1, '), 'is not valid JSON'],
    ['a usage snapshot', () => file({ formatVersion: 1, customers: [] }), 'kind: expected'],
    [
      'an id beyond 2^53',
      () => file(JSON.stringify(snapshot()).replace('"id":250', '"id":90071992547409930')),
      'beyond 2^53',
    ],
    [
      'an agreement without its company',
      () => file(snapshot({ agreements: [{ id: 1, name: 'x' } as never] })),
      'agreements: expected a list of agreements',
    ],
    [
      'lines that are not a list',
      () => file(snapshot({ additions: [{ agreementId: 1, lines: {} as never }] })),
      'additions[0].lines',
    ],
    ['a capture time that is not a date', () => file(snapshot({ capturedAt: 'yesterday' })), 'capturedAt'],
    [
      'another ConnectWise',
      () => file(snapshot({ connectwise: { url: 'https://other.example', company: 'acme' } })),
      'another ConnectWise',
    ],
    [
      'a snapshot older than the max age',
      () => file(snapshot({ capturedAt: '2026-11-30T02:17:00Z' })),
      'older than --max-target-age',
    ],
    ['a snapshot from the future', () => file(snapshot({ capturedAt: '2026-12-03T02:17:00Z' })), 'in the future'],
  ])('refuses %s (exit 3), quoting nothing of it', (_name, make, says) => {
    const r = refusal(make());
    expect(r.code).toBe(3);
    expect(r.text).toContain(says);
    expect(r.text).not.toContain('Contoso');
  });

  it('refuses a file over the size cap before parsing it', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x'));
    const path = join(dir, 'x', 'big.json');
    // Sparse: 300 MB of nothing, over the 256 MiB cap.
    execFileSync('truncate', ['-s', '300M', path]);
    const r = refusal(path);
    expect(r.code).toBe(3);
    expect(r.text).toMatch(/limit/);
  });
});

const binding = (company: string, agreement: string | { id: number }, customer = 'Contoso Ltd'): Binding => ({
  customer,
  company,
  agreement,
  overrides: {},
  source: { file: 'config/customers.yaml', line: 3 },
});

describe('a snapshot as the billing target', () => {
  const target = () => new SnapshotTarget(snapshot(), 'target.json');

  it('resolves names by the live rules: identifier or exact name, agreement by name, active catalog items', async () => {
    const r = await target().resolve(
      [binding('CONTOSO', 'Email Security'), binding('Fabrikam, Inc.', 'Managed Email', 'Fabrikam')],
      ['MP-CLOUDFILTER'],
    );
    expect(r.failures).toEqual([]);
    expect(r.bindings.map((b) => [b.company.id, b.agreement.id])).toEqual([
      [250, 1234],
      [251, 1240],
    ]);
    expect(r.products.get('MP-CLOUDFILTER')).toEqual({ id: 752, identifier: 'MP-CLOUDFILTER', unitPrice: 3.5 });
  });

  it('suggests the nearest company, and names the agreements a company has', async () => {
    const r = await target().resolve([binding('CONTSO', 'Email Security'), binding('CONTOSO', 'Email')], []);
    expect(r.failures.map((f) => [f.message, f.fix])).toEqual([
      [expect.stringContaining('"CONTSO"'), 'did you mean "CONTOSO"?'],
      [expect.stringContaining('its agreements: "Email Security" (id 1234)'), undefined],
    ]);
  });

  it("applies policy.agreementStatuses as live: a status not allowed is that binding's error", async () => {
    const expired = snapshot();
    expired.agreements[0]!.agreementStatus = 'Expired';
    const r = await new SnapshotTarget(expired, 'target.json').resolve([binding('CONTOSO', 'Email Security')], []);
    expect(r.bindings).toEqual([]);
    expect(r.failures.map((f) => f.message)).toEqual([expect.stringContaining('Expired')]);
  });

  it('says a catalog identifier was not captured rather than that it does not exist', async () => {
    const r = await target().resolve([], ['MP-CLOUDFILTER', 'MP-NEW', 'MP-GONE']);
    expect(r.failures.map((f) => f.message)).toEqual([
      expect.stringContaining('no active catalog item has the identifier "MP-GONE"'),
      expect.stringContaining('"MP-NEW" is not in the ConnectWise snapshot'),
    ]);
  });

  it('gives the captured lines, and refuses to answer for an agreement it did not capture', async () => {
    expect((await target().lines(1234, [752])).map((l) => l.quantity)).toEqual([60]);
    expect(await target().agreementLines(1234)).toHaveLength(2);
    await expect(target().lines(1240, [752])).rejects.toThrow('holds no additions of agreement 1240');
  });

  it('never writes', async () => {
    const t = target();
    await expect(t.create(1234, { productId: 752, quantity: 1 }, new Date('2026-12-01'))).rejects.toBeInstanceOf(
      SnapshotIsReadOnly,
    );
    await expect(t.setQuantity(1234, 1, 5)).rejects.toBeInstanceOf(SnapshotIsReadOnly);
    await expect(t.cancel(1234, 1, new Date('2026-12-01'))).rejects.toBeInstanceOf(SnapshotIsReadOnly);
  });
});
