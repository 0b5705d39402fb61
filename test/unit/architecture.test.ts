/** The shape of the house, kept true: the reconciler knows no vendor and no HTTP. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', 'src');

function importsOf(dir: string): Array<[file: string, spec: string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    if (!name.endsWith('.ts')) continue;
    const text = readFileSync(join(ROOT, dir, name), 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g))
      out.push([`${dir}/${name}`, m[1] ?? m[2]!]);
  }
  return out;
}

describe('import graph', () => {
  it('reconcile/ imports nothing from connectwise/, http/, usage adapters or sandbox/', () => {
    const bad = importsOf('reconcile').filter(([, spec]) =>
      /\/(connectwise|http|sandbox|github|cli)\/|\/usage\/(?!types\.js)/.test(spec),
    );
    expect(bad).toEqual([]);
  });

  it('finds the imports it checks (the check itself can fail)', () => {
    const all = importsOf('reconcile').map(([, spec]) => spec);
    expect(all).toContain('./ports.js');
    expect(importsOf('connectwise').map(([, s]) => s)).toContain('../http/errors.js');
  });

  it('render/ is pure: no I/O modules', () => {
    const bad = importsOf('render').filter(([, spec]) =>
      /^node:(fs|net|http|child_process)|\/(http|connectwise)\//.test(spec),
    );
    expect(bad).toEqual([]);
  });
});
