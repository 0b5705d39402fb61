/**
 * prepack records the commit a package is built from, so `cwsync init` pins the Action to it
 * (SPEC section 7): a package that cannot name a clean commit is refused, never packed with a
 * commit that does not hold what it holds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

function checkout({ git }: { git: boolean }) {
  const dir = tempDir('cwsync-prepack-');
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts/prepack.mjs'), join(dir, 'scripts/prepack.mjs'));
  writeFileSync(join(dir, 'package-lock.json'), '{}\n');
  writeFileSync(join(dir, '.gitignore'), 'dist/\nnpm-shrinkwrap.json\n');
  if (git) {
    const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    run('init', '-q');
    run('add', '-A');
    run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'packed');
  }
  return dir;
}

const prepack = (dir: string) =>
  spawnSync(process.execPath, ['scripts/prepack.mjs'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });

const head = (dir: string) => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();

describe('prepack', () => {
  it('records the clean commit it packs in dist/release.json and ships the lockfile', () => {
    const dir = checkout({ git: true });
    const r = prepack(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'dist/release.json'), 'utf8'))).toEqual({ commit: head(dir) });
    expect(readFileSync(join(dir, 'npm-shrinkwrap.json'), 'utf8')).toBe('{}\n');
  });

  it('refuses uncommitted changes, a new file included, naming them', () => {
    const dir = checkout({ git: true });
    writeFileSync(join(dir, 'stray.ts'), 'export {};\n');
    const r = prepack(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('prepack: uncommitted changes');
    expect(r.stderr).toContain('stray.ts');
    expect(r.stderr).toContain('commit (or stash) first');
  });

  it('refuses a directory that is not a git checkout', () => {
    const r = prepack(checkout({ git: false }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('prepack: this is not a git checkout with a commit');
  });
});
