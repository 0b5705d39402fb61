/**
 * Where creates whose outcome is unknown are remembered between runs: a small JSON file in the
 * config repository's git directory (`.git/cwsync/pending-creates.json`), or in `--state-dir` /
 * CWSYNC_STATE_DIR, which GitHub Actions restores and saves with its cache so the next nightly
 * and a manual re-run find it. Written atomically (a temporary file renamed over it). A file
 * that is there but cannot be read stops the run before any write: guessing "nothing pending"
 * could create a line twice.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { readJsonFile } from '../config/safe-file.js';
import { CwsyncError } from '../errors.js';
import type { PendingCreate, PendingCreates } from '../reconcile/ports.js';

const FILE = 'pending-creates.json';

/** The state directory: the one given, else `cwsync/` in the git directory, else `.cwsync/` in the config directory. */
export async function stateDir(configDir: string, given?: string): Promise<string> {
  if (given) return given;
  try {
    const dir = (await simpleGit({ baseDir: configDir }).revparse(['--absolute-git-dir'])).trim();
    if (dir) return join(dir, 'cwsync');
  } catch {
    // not in git: the config directory itself
  }
  return join(configDir, '.cwsync');
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function entry(x: unknown): PendingCreate | undefined {
  const r = (x ?? {}) as Record<string, unknown>;
  if (!isCount(r.agreement) || !isCount(r.product) || !isCount(r.quantity)) return undefined;
  if (typeof r.since !== 'string' || Number.isNaN(Date.parse(r.since))) return undefined;
  return { agreement: r.agreement, product: r.product, quantity: r.quantity, since: r.since };
}

function unreadable(path: string, why: string): CwsyncError {
  return new CwsyncError(
    `the record of creates whose outcome is unknown, ${path}, ${why}; nothing was written, since a create it remembers could be made twice`,
    {
      hint: `check each agreement it names in ConnectWise for a line that landed late, then delete ${path}`,
    },
  );
}

export class FilePendingCreates implements PendingCreates {
  readonly where: string;
  private readonly loaded: PendingCreate[];

  constructor(readonly dir: string) {
    this.where = join(dir, FILE);
    this.loaded = this.read();
  }

  private read(): PendingCreate[] {
    try {
      statSync(this.where);
    } catch {
      return [];
    }
    const data = readJsonFile(this.where, { maxBytes: 4 * 1024 * 1024, display: this.where }) as {
      formatVersion?: unknown;
      pending?: unknown;
    };
    if (data?.formatVersion !== 1 || !Array.isArray(data.pending))
      throw unreadable(this.where, 'is not a cwsync pending-creates file (formatVersion 1)');
    const list = data.pending.map(entry);
    if (list.some((x) => x === undefined)) throw unreadable(this.where, 'holds an entry that is not understood');
    return list as PendingCreate[];
  }

  list(): PendingCreate[] {
    return this.loaded.map((p) => ({ ...p }));
  }

  save(pending: PendingCreate[]): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.where}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify({ formatVersion: 1, pending }, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.where);
  }
}
