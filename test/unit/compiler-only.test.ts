/**
 * The Action's build installs the compiler, not the test and lint tools: scripts/compiler-only.mjs
 * narrows the build copy's package.json and package-lock.json to the production dependencies,
 * typescript and @types/node, every kept lock entry exactly as locked (so `npm ci` still checks
 * versions and integrity), and every dependency of a kept entry kept too.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

interface Entry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
type Lock = { packages: Record<string, Entry> };
const read = <T>(dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;

function narrow(edit?: (pkg: { devDependencies: Record<string, string> }) => void) {
  const dir = tempDir('cwsync-compiler-only-');
  copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  const pkg = read<{ devDependencies: Record<string, string> }>(ROOT, 'package.json');
  edit?.(pkg);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts/compiler-only.mjs')], { cwd: dir, encoding: 'utf8' });
  return { dir, run };
}

/** Dependencies of a kept entry that resolve (nested first, then at the top) to no kept entry, as `path -> name`. */
function unresolved(kept: Lock['packages']): string[] {
  return Object.entries(kept).flatMap(([path, entry]) =>
    Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })
      .filter((name) => ![`${path ? `${path}/` : ''}node_modules/${name}`, `node_modules/${name}`].some((c) => kept[c]))
      .map((name) => `${path} -> ${name}`),
  );
}

describe('the Action builds with the compiler only', () => {
  it('keeps the production dependencies, typescript and @types/node, each entry as locked, and what they reach', () => {
    const { dir, run } = narrow();
    expect([run.status, run.stderr]).toEqual([0, '']);
    const full = read<Lock>(ROOT, 'package-lock.json').packages;
    const pkg = read<{ devDependencies: Record<string, string>; dependencies: Record<string, string> }>(
      dir,
      'package.json',
    );
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(['@types/node', 'typescript']);
    expect(pkg.dependencies).toEqual(read<{ dependencies: unknown }>(ROOT, 'package.json').dependencies);
    const kept = read<Lock>(dir, 'package-lock.json').packages;
    for (const [path, entry] of Object.entries(kept)) if (path) expect(entry, path).toEqual(full[path]);
    const production = Object.entries(full).filter(([path, entry]) => path && !entry.dev);
    expect(production.filter(([path]) => !kept[path]).map(([path]) => path)).toEqual([]);
    for (const path of [
      'node_modules/typescript',
      'node_modules/@types/node',
      'node_modules/@typescript/typescript-linux-x64',
    ])
      expect(kept[path], path).toBeDefined();
    for (const path of ['node_modules/@biomejs/biome', 'node_modules/vitest', 'node_modules/knip'])
      expect(kept[path], path).toBeUndefined();
    expect(unresolved(kept)).toEqual([]);
  });

  it('refuses a package.json without the compiler rather than building without it', () => {
    const { run } = narrow((pkg) => delete pkg.devDependencies.typescript);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no dev dependency typescript');
  });
});
