/**
 * The shape of the house, kept true: the reconciler knows no vendor and no HTTP; the core's
 * messages name no vendor (the adapters fill in their names); only the registry imports an
 * adapter; and the README's picture of the folders is the import graph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', 'src');

/**
 * What a module's text imports, however it is written: `import … from`, `export … from`, a
 * dynamic `import()` and a bare side-effect `import '…'`; and whether the statement is type-only.
 * The one parser every check here uses.
 */
function importSpecs(text: string): Array<{ spec: string; typeOnly: boolean }> {
  const out: Array<{ spec: string; typeOnly: boolean }> = [];
  for (const m of text.matchAll(
    /(?:^|[;\s])((?:import|export)\b[^'"]*?from\s*)['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[;\s])import\s*['"]([^'"]+)['"]/g,
  ))
    out.push({ spec: m[2] ?? m[3] ?? m[4]!, typeOnly: m[1] !== undefined && typeOnly(m[1]) });
  return out;
}

/** The relative imports of a module under src/, as modules relative to src/ (`cli/x.ts`). */
function relativeImports(file: string): Array<{ module: string; typeOnly: boolean }> {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  return importSpecs(readFileSync(join(ROOT, file), 'utf8'))
    .filter(({ spec }) => spec.startsWith('.'))
    .map(({ spec, typeOnly }) => ({ module: join(dir, spec.replace(/\.js$/, '.ts')), typeOnly }));
}

function importsOf(dir: string): Array<[file: string, spec: string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    if (!name.endsWith('.ts')) continue;
    for (const { spec } of importSpecs(readFileSync(join(ROOT, dir, name), 'utf8'))) out.push([`${dir}/${name}`, spec]);
  }
  return out;
}

const VENDOR = /connectwise|mailprotector/i;
/** A vendor's name, or ConnectWise's own word for a line ("agreement addition"). */
const VENDOR_WORDS = /connectwise|mailprotector|agreement addition/gi;

/** The vendor words in code, comments left out (they may say which adapter does what). */
function vendorWordsInCode(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return code.match(VENDOR_WORDS) ?? [];
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

  it('finds the imports it checks (the check itself can fail)', () => {
    const all = importsOf('reconcile').map(([, spec]) => spec);
    expect(all).toContain('./ports.js');
    expect(importsOf('connectwise').map(([, s]) => s)).toContain('../http/errors.js');
    const text = [
      "import './side-effect.js';",
      "  import type { T } from '../types.js'; export { x } from './x.js';",
      "const m = await import('node:fs'); import 'node:net'",
      "export * from './all.js'",
    ].join('\n');
    expect(importSpecs(text)).toEqual([
      { spec: './side-effect.js', typeOnly: false },
      { spec: '../types.js', typeOnly: true },
      { spec: './x.js', typeOnly: false },
      { spec: 'node:fs', typeOnly: false },
      { spec: 'node:net', typeOnly: false },
      { spec: './all.js', typeOnly: false },
    ]);
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
    for (const { module } of relativeImports(file)) if (!module.startsWith('..')) queue.push(module);
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

/** Every relative import of every module under src/: [importing module, imported module], both relative to src/. */
function importEdges(): Array<[from: string, to: string]> {
  const out: Array<[string, string]> = [];
  for (const file of allModules()) for (const { module } of relativeImports(file)) out.push([file, module]);
  return out;
}

const folderOf = (module: string) => (module.includes('/') ? module.slice(0, module.indexOf('/')) : '.');

describe('vendor knowledge stays at the edge', () => {
  it('the core names no vendor in code: reconcile/, render/ and cli/pipeline.ts say "the billing system" and "the usage source"', () => {
    const core = [
      ...readdirSync(join(ROOT, 'reconcile')).map((f) => `reconcile/${f}`),
      ...readdirSync(join(ROOT, 'render')).map((f) => `render/${f}`),
      'cli/pipeline.ts',
    ].filter((f) => f.endsWith('.ts'));
    expect(core.length).toBeGreaterThan(20);
    const named = core
      .map((f) => [f, vendorWordsInCode(readFileSync(join(ROOT, f), 'utf8'))] as const)
      .filter(([, words]) => words.length > 0);
    expect(named).toEqual([]);
    // The check itself can fail: code is read, comments are not.
    expect(
      vendorWordsInCode('// Mailprotector\nconst a = "ConnectWise"; /* mailprotector */ x("agreement addition")'),
    ).toEqual(['ConnectWise', 'agreement addition']);
  });

  /**
   * "addition" as a word inside a string or template literal (a message), outside comments: not an
   * identifier (additionId), a property (.additions, additions:, ${a.additions}) or a JSON code
   * (missing-addition).
   */
  const additionWords = (text: string) => {
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    const strings = [...code.matchAll(/(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)].map((m) =>
      m[2]!.replace(/\$\{[^}]*\}/g, ''),
    );
    return strings.flatMap((s) => [...s.matchAll(/(?<![\w.-])additions?\b(?!-)/g)].map((m) => m[0]));
  };

  it('the core\'s messages say "line", as its types do (BilledLine): "addition" is ConnectWise\'s word, for its adapter', () => {
    const dirs = ['reconcile', 'render', 'cli', 'cli/commands'];
    const files = dirs.flatMap((d) =>
      readdirSync(join(ROOT, d))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `${d}/${f}`),
    );
    // cli/program.ts's description says what the product does, naming both vendors.
    const said = files
      .filter((f) => f !== 'cli/program.ts')
      .map((f) => [f, additionWords(readFileSync(join(ROOT, f), 'utf8'))] as const)
      .filter(([, words]) => words.length > 0);
    expect(said).toEqual([]);
    // The check itself can fail: a message is found, identifiers, properties and comments are not.
    expect(
      additionWords(
        'const m = `changes addition ${a.additionId}`; o.additions; ({ additions: 1 }); x("open additions, cancel"); y(\'additions: refused\'); z(`[addition 5]`); q("missing-addition"); // an addition',
      ),
    ).toEqual(['addition', 'additions', 'additions', 'addition']);
  });

  /** The folders that hold adapters, and the modules of them everyone may use: the usage snapshot format (SPEC 2). */
  const ADAPTER_FOLDERS = ['connectwise', 'memory', 'usage'];
  const SHARED = new Set(['usage/types.ts', 'usage/snapshot-source.ts']);

  it('only adapters/registry.ts imports an adapter module; adapters do not import each other', () => {
    const edges = importEdges();
    expect(edges).toContainEqual(['adapters/registry.ts', 'connectwise/adapter.ts']);
    const bad = edges.filter(([from, to]) => {
      const into = folderOf(to);
      if (!ADAPTER_FOLDERS.includes(into) || SHARED.has(to) || folderOf(from) === into) return false;
      return from !== 'adapters/registry.ts';
    });
    expect(bad).toEqual([]);
  });
});

/** The README's picture: each line `folder/ ──> a/ b/ ...` in the block after the marker. */
function readmePicture(): Map<string, Set<string>> {
  const readme = readFileSync(join(ROOT, '..', 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- import graph');
  expect(at).toBeGreaterThan(0);
  const block = readme.slice(at).split('```')[1]!;
  const picture = new Map<string, Set<string>>();
  for (const line of block.split('\n')) {
    const m = /^([a-z]+)\/ ─+> (.*)$/.exec(line);
    if (!m) continue;
    // Words in parentheses say why; only `folder/` tokens are arrows.
    const targets = m[2]!.replace(/\([^)]*\)/g, '').match(/[a-z]+(?=\/)/g) ?? [];
    picture.set(m[1]!, new Set(targets));
  }
  return picture;
}

/** Whether an import or export statement brings in types only (erased at run time). */
function typeOnly(statement: string): boolean {
  if (/^(?:import|export)\s+type\b/.test(statement)) return true;
  const names = /\{([^}]*)\}/.exec(statement)?.[1];
  if (names === undefined || /^import\s+[\w$]+\s*,/.test(statement) || /\*\s+as/.test(statement)) return false;
  const specifiers = names
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return specifiers.length > 0 && specifiers.every((n) => n.startsWith('type '));
}

/** The folders each folder imports at run time (type-only imports left out), as a graph. */
function runtimeFolderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of allModules()) {
    const a = folderOf(file);
    for (const { module, typeOnly } of relativeImports(file)) {
      if (typeOnly) continue;
      const b = folderOf(module);
      if (a === '.' || b === '.' || a === b) continue;
      graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
  }
  return graph;
}

/** The folder cycles of a graph, each as `a -> b -> a`. */
function cyclesOf(graph: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  const walk = (path: string[]) => {
    for (const next of graph.get(path.at(-1)!) ?? []) {
      if (next === path[0]) found.push([...path, next].join(' -> '));
      else if (!path.includes(next) && next > path[0]!) walk([...path, next]);
    }
  };
  for (const start of [...graph.keys()].sort()) walk([start]);
  return found;
}

describe('no folder cycle at run time', () => {
  it('no folder reaches itself through run-time imports (a type-only import back, as adapters/ to config/, is no cycle)', () => {
    expect(cyclesOf(runtimeFolderGraph())).toEqual([]);
    // config/ asks no adapter: the registry's knowledge is passed in (cli/ passes knownAdapters).
    expect(runtimeFolderGraph().get('config')?.has('adapters') ?? false).toBe(false);
    expect(runtimeFolderGraph().get('adapters')?.has('connectwise')).toBe(true);
  });

  it('the check itself can fail: it tells type-only imports apart and finds a cycle', () => {
    expect(typeOnly("import type { A } from '")).toBe(true);
    expect(typeOnly("import { type A, type B } from '")).toBe(true);
    expect(typeOnly("import { type A, b } from '")).toBe(false);
    expect(typeOnly("import * as x from '")).toBe(false);
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(cyclesOf(g)).toEqual(['a -> b -> c -> a']);
  });
});

describe("the README's folders and arrows", () => {
  it('are the import graph between the folders of src/ (the shared modules at src/*.ts left out): no arrow missing, none extra', () => {
    const graph = new Map<string, Set<string>>();
    for (const [from, to] of importEdges()) {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a === '.' || b === '.' || a === b) continue;
      graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    for (const f of folders) if (!graph.has(f)) graph.set(f, new Set());
    const text = (g: Map<string, Set<string>>) =>
      [...g]
        .map(([f, to]) => `${f}/ -> ${[...to].sort().join(' ')}`)
        .sort()
        .join('\n');
    // On a difference: draw the arrow in README.md (Development), or remove the import.
    expect(text(readmePicture())).toBe(text(graph));
  });
});
