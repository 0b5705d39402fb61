/** `plan --usage-snapshot FILE`: a file named on the command line may be anywhere, but is read safely. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RefusedError } from '../../src/errors.js';
import { SnapshotUsageSource } from '../../src/usage/snapshot-source.js';
import { tempDir } from '../helpers/temp.js';

vi.setConfig({ testTimeout: 5_000 });

const NOW = new Date('2026-11-26T03:00:00Z');
const source = (path: string) => new SnapshotUsageSource(path, 26 * 3_600_000, () => NOW);

async function refusal(path: string): Promise<string> {
  try {
    await source(path).read();
  } catch (err) {
    expect(err).toBeInstanceOf(RefusedError);
    const e = err as RefusedError;
    return `${e.message}\n${e.details ?? ''}`;
  }
  throw new Error('expected the snapshot to be refused');
}

describe('--usage-snapshot', () => {
  it('reads a snapshot outside the working directory', async () => {
    const path = join(tempDir(), 'usage.json');
    writeFileSync(path, '{"formatVersion":1,"capturedAt":"2026-11-26T02:17:00Z","customers":[]}');
    await expect(source(path).read()).resolves.toEqual({
      formatVersion: 1,
      capturedAt: '2026-11-26T02:17:00Z',
      customers: [],
    });
  });

  it('reads 20,000 customers (8 MB, far over the 1 MiB limit of a config file)', async () => {
    const customers = Array.from({ length: 20_000 }, (_, i) => ({
      id: i + 1,
      name: `Customer ${String(i).padStart(5, '0')}`,
      userGroups: [{ name: 'Staff', users: i % 97, services: ['CloudFilter', 'SafeSend'] }],
    }));
    const path = join(tempDir(), 'usage.json');
    writeFileSync(path, JSON.stringify({ formatVersion: 1, capturedAt: '2026-11-26T02:17:00Z', customers }, null, 2));
    const snapshot = await source(path).read();
    expect(snapshot.customers).toHaveLength(20_000);
    expect(snapshot.customers[19_999]).toEqual(customers[19_999]);
  });

  it('refuses a named pipe without blocking', async () => {
    const path = join(tempDir(), 'usage.json');
    execFileSync('mkfifo', [path]);
    expect(await refusal(path)).toContain(`${path}:1:1: is a named pipe, not a regular file`);
  });

  it('refuses a device', async () => {
    expect(await refusal('/dev/zero')).toContain('/dev/zero:1:1: is a character device, not a regular file');
  });

  it('never quotes the snapshot in its errors', async () => {
    const path = join(tempDir(), 'usage.json');
    writeFileSync(path, '{"formatVersion":1,"customers":[{"id":"LEAKME-01","name":"A","userGroups":[]}]}');
    const text = await refusal(path);
    expect(text).toContain('customers[0].id must be integer, not a text');
    expect(text).not.toContain('LEAKME');
  });
});
