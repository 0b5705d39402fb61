/** The apply lock: one apply at a time; a dead holder's lock is taken over, a live one's never. */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { acquireApplyLock, lockPath } from '../../src/git/lock.js';
import { tempDir } from '../helpers/temp.js';

const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const holder = (pid: number) =>
  JSON.stringify({ pid, host: hostname(), user: 'someone', since: '2026-11-26T02:17:00Z' });

describe('the apply lock', () => {
  it('replaces a lock whose holder died, and removes its own on release', async () => {
    const dir = tempDir();
    const path = await lockPath(dir);
    writeFileSync(path, holder(deadPid()));
    const release = await acquireApplyLock(dir, { waitMs: 0 });
    expect(existsSync(path)).toBe(true);
    release();
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live holder a bounded time (on an injected clock), then refuses naming it', async () => {
    const dir = tempDir();
    writeFileSync(await lockPath(dir), holder(process.pid));
    let t = 0;
    const slept: number[] = [];
    const refused = acquireApplyLock(dir, {
      waitMs: 3000,
      now: () => new Date(t),
      sleep: async (ms) => {
        slept.push(ms);
        t += ms;
      },
    });
    await expect(refused).rejects.toThrow(`process ${process.pid} of someone on ${hostname()}`);
    expect(slept).toEqual([1000, 1000, 1000]);
  });

  it('never lets two takers of a stale lock both hold it', async () => {
    const dir = tempDir();
    writeFileSync(await lockPath(dir), holder(deadPid()));
    const results = await Promise.allSettled([
      acquireApplyLock(dir, { waitMs: 0 }),
      acquireApplyLock(dir, { waitMs: 0 }),
    ]);
    // Same process, so the second sees a live holder (itself) and is refused.
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('waits, then refuses, when a stale lock is being broken by a live process (never spins)', async () => {
    const dir = tempDir();
    const path = await lockPath(dir);
    writeFileSync(path, holder(deadPid()));
    writeFileSync(`${path}.break`, holder(process.pid)); // a live breaker
    let t = 0;
    const refused = acquireApplyLock(dir, {
      waitMs: 2000,
      now: () => new Date(t),
      sleep: async (ms) => {
        t += ms;
      },
    });
    await expect(refused).rejects.toThrow('another cwsync apply holds the lock');
  });
});
