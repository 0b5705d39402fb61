/**
 * One apply at a time per config repository: an exclusive lock file in the repository's git
 * directory (or the config directory outside git), holding who took it. A holder that died on
 * this machine is detected and replaced; a live one is waited for, a bounded time, then refused.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { RefusedError } from '../errors.js';

interface LockHolder {
  pid: number;
  host: string;
  user: string;
  since: string;
}

export interface LockOptions {
  waitMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function lockPath(configDir: string): Promise<string> {
  try {
    const dir = (await simpleGit({ baseDir: configDir }).revparse(['--absolute-git-dir'])).trim();
    if (dir) return join(dir, 'cwsync-apply.lock');
  } catch {
    // not in git: the config directory itself
  }
  return join(configDir, '.cwsync-apply.lock');
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string'
      ? { pid: h.pid, host: h.host, user: String(h.user ?? '?'), since: String(h.since ?? '?') }
      : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(path: string, me: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

const sameHolder = (a: LockHolder | undefined, b: LockHolder) =>
  a?.pid === b.pid && a.host === b.host && a.since === b.since;

/**
 * Removes a lock whose holder died (kill -9), under a second exclusive "breaker" file, so two
 * processes that both saw the dead holder cannot both remove a lock (one of them a fresh one).
 * Says whether it removed it; when not, the caller waits as for a live holder, deadline included.
 */
function breakStale(path: string, dead: LockHolder, me: LockHolder): boolean {
  const breaker = `${path}.break`;
  if (tryTake(breaker, me)) {
    try {
      if (!sameHolder(readHolder(path), dead)) return false;
      rmSync(path, { force: true });
      return true;
    } finally {
      rmSync(breaker, { force: true });
    }
  }
  const other = readHolder(breaker);
  if (!other || (other.host === me.host && !alive(other.pid))) rmSync(breaker, { force: true });
  return false; // someone else is breaking it, or was: wait like for any holder
}

/** Takes the lock or throws RefusedError (exit 3) naming its holder. Returns the release function. */
export async function acquireApplyLock(configDir: string, options: LockOptions): Promise<() => void> {
  const path = await lockPath(configDir);
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? (() => new Date());
  const me: LockHolder = { pid: process.pid, host: hostname(), user: userInfo().username, since: now().toISOString() };
  const deadline = now().getTime() + options.waitMs;
  for (;;) {
    if (tryTake(path, me)) return () => rmSync(path, { force: true });
    const holder = readHolder(path);
    if (holder && holder.host === me.host && !alive(holder.pid) && breakStale(path, holder, me)) continue;
    if (now().getTime() >= deadline) {
      const who = holder
        ? `process ${holder.pid} of ${holder.user} on ${holder.host}, since ${holder.since}`
        : 'an unreadable lock file';
      throw new RefusedError(
        `another cwsync apply holds the lock on this config repository (${who}); nothing was written`,
        {
          hint: `wait for it to finish; if no apply is running, delete ${path}`,
        },
      );
    }
    await sleep(Math.min(1000, Math.max(1, deadline - now().getTime())));
  }
}
