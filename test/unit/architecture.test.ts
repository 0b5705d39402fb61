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

const VENDOR = /connectwise|mailprotector/i;

/** How often a vendor is named in code, comments left out (they may say which adapter does what). */
function vendorWordsInCode(text: string): number {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return code.match(new RegExp(VENDOR.source, 'gi'))?.length ?? 0;
}

describe('import graph', () => {
  it('reconcile/ imports nothing from connectwise/, http/, usage adapters or sandbox/', () => {
    const bad = importsOf('reconcile').filter(([, spec]) =>
      /\/(connectwise|http|sandbox|github|cli)\/|\/usage\/(?!types\.js)/.test(spec),
    );
    expect(bad).toEqual([]);
  });

  it('reconcile/ imports no module named for a vendor, from whatever folder (the service table came from config/)', () => {
    const bad = importsOf('reconcile').filter(([, spec]) => VENDOR.test(spec));
    expect(bad).toEqual([]);
  });

  it('reconcile/ code names a vendor no more than it did when this was written (this list only shrinks)', () => {
    // Messages still naming a vendor, to become the adapter's name filled in by the adapter.
    const allowed: Record<string, number> = {
      'create.ts': 1,
      'gather.ts': 3,
      'match.ts': 4,
      'plan.ts': 2,
      'recompute.ts': 1,
      'types.ts': 1,
      'verify.ts': 5,
    };
    const over = readdirSync(join(ROOT, 'reconcile'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f, vendorWordsInCode(readFileSync(join(ROOT, 'reconcile', f), 'utf8'))] as const)
      .filter(([f, n]) => n > (allowed[f] ?? 0));
    expect(over).toEqual([]);
    expect(vendorWordsInCode('// Mailprotector\nconst a = "ConnectWise"; /* mailprotector */')).toBe(1);
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

/** Every .ts module under src/, relative to src/. */
function allModules(dir = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...allModules(rel));
    else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The modules reachable from `entries` through static and dynamic relative imports. */
function reachable(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(
      /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
    )) {
      const target = join(dir, (m[1] ?? m[2]!).replace(/\.js$/, '.ts'));
      if (!target.startsWith('..')) queue.push(target);
    }
  }
  return seen;
}

describe('the package ships only what the binary reaches', () => {
  it('every module in src/ is reached from the binary (cli/main.ts) or the demo (demo.ts); test-only code lives in test/support/', () => {
    const reached = reachable(['cli/main.ts', 'demo.ts']);
    expect(reached.has('cli/commands/plan.ts')).toBe(true); // dynamic imports are followed
    expect(allModules().filter((m) => !reached.has(m))).toEqual([]);
  });
});
