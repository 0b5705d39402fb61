import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';
import { MAX_FILE_BYTES } from '../../src/config/yaml-file.js';
import { CwsyncError, RefusedError } from '../../src/errors.js';
import { chooseOutput, partOf, writeProposals } from '../../src/import/output.js';
import { propose } from '../../src/import/propose.js';
import { MAX_PER_FILE, writeInParts } from '../../src/import/run.js';
import { writeConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/temp.js';

const configDir = () => {
  const dir = join(tempDir(), 'config');
  writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/apis/3.0', mpUrl: 'http://127.0.0.1:2/api/v1' });
  return dir;
};
const meta = { source: 'test', command: 'cwsync import', bound: 0 };

describe('chooseOutput', () => {
  it('defaults to customers/imported-DATE.yaml, then -2, -3 on the same day', () => {
    const dir = configDir();
    const first = chooseOutput(dir, undefined, '2026-11-26');
    expect(first).toEqual({ path: join(dir, 'customers', 'imported-2026-11-26.yaml'), partOfConfig: true });
    mkdirSync(join(dir, 'customers'));
    writeFileSync(first.path, 'customers: []\n');
    expect(chooseOutput(dir, undefined, '2026-11-26').path).toBe(join(dir, 'customers', 'imported-2026-11-26-2.yaml'));
  });

  it('refuses an --out that exists, even as a dangling symlink', () => {
    const dir = configDir();
    const file = join(dir, 'customers.yaml');
    expect(() => chooseOutput(dir, file, '2026-11-26')).toThrow(RefusedError);
    const link = join(tempDir(), 'link.yaml');
    symlinkSync(join(tempDir(), 'nowhere.yaml'), link);
    expect(() => chooseOutput(dir, link, '2026-11-26')).toThrow(
      /link\.yaml already exists; cwsync import never overwrites a file/,
    );
  });

  it('refuses an --out whose directory does not exist', () => {
    expect(() => chooseOutput(configDir(), join(tempDir(), 'no', 'such', 'x.yaml'), '2026-11-26')).toThrow(
      /is not a directory/,
    );
  });

  it('refuses a customers/ that leaves the config directory', () => {
    const dir = configDir();
    symlinkSync(tempDir(), join(dir, 'customers'));
    expect(() => chooseOutput(dir, undefined, '2026-11-26')).toThrow(/is not a directory inside the config directory/);
  });

  it('knows which --out files the config reads', () => {
    const dir = configDir();
    mkdirSync(join(dir, 'customers'));
    expect(chooseOutput(dir, join(dir, 'customers', 'mine.yaml'), 'd').partOfConfig).toBe(true);
    expect(chooseOutput(dir, join(dir, 'customers', 'mine.txt'), 'd').partOfConfig).toBe(false);
    expect(chooseOutput(dir, join(tempDir(), 'mine.yaml'), 'd').partOfConfig).toBe(false);
  });

  it('names parts after the first file', () => {
    expect(partOf({ path: '/c/customers/imported.yaml', partOfConfig: true }, 2)).toEqual({
      path: '/c/customers/imported-part-2.yaml',
      partOfConfig: true,
    });
    expect(partOf({ path: '/c/customers.yaml', partOfConfig: true }, 3)).toEqual({
      path: '/c/customers-part-3.yaml',
      partOfConfig: false,
    });
  });
});

describe('writeProposals', () => {
  it('removes what it wrote when the config would not validate, and says why', () => {
    const dir = configDir();
    const target = chooseOutput(dir, undefined, '2026-11-26');
    const bad = 'customers:\n  - customer: Acme\n    company: ACME\n';
    expect(() => writeProposals(dir, [target], [bad])).toThrow(CwsyncError);
    expect(() => writeProposals(dir, [target], [bad])).toThrow(/was not kept:\n.*imported-2026-11-26\.yaml:2:5/);
    expect(readdirSync(join(dir, 'customers'))).toEqual([]);
  });
});

describe('writeInParts: a proposal too long for one file', () => {
  it(`splits at ${MAX_PER_FILE} bindings a file, each under the loader's limit, all valid together`, () => {
    const n = MAX_PER_FILE * 2 + 100;
    // Long names that share no word (nor a word's first three letters, the matcher's blocks), so
    // each customer is compared with its own company only: the split is under test, not matching.
    const stem = (i: number) => [2, 1, 0].map((k) => String.fromCharCode(97 + (Math.floor(i / 26 ** k) % 26))).join('');
    const names = Array.from({ length: n }, (_, i) => {
      const s = stem(i);
      return `${s}ford ${s}wick ${s}stone ${s}field ${s}worth Trading`.replace(/^./, (c) => c.toUpperCase());
    });
    const { proposals } = propose({
      customers: names.map((name, i) => ({ id: i + 1, name, domains: [] })),
      companies: names.map((name, i) => ({ id: i + 1, name, identifier: `${stem(i).toUpperCase()}FORD` })),
      agreements: names.map((_, i) => ({ id: i + 1, name: 'Email Security', companyId: i + 1, status: 'Active' })),
      existing: [],
    });
    const dir = configDir();
    const files = writeInParts(dir, chooseOutput(dir, undefined, '2026-11-26'), proposals, meta);
    expect(files.map((f) => f.path.slice(dir.length))).toEqual([
      '/customers/imported-2026-11-26.yaml',
      '/customers/imported-2026-11-26-part-2.yaml',
      '/customers/imported-2026-11-26-part-3.yaml',
    ]);
    for (const f of files) expect(statSync(f.path).size).toBeLessThan(MAX_FILE_BYTES);
    expect(readFileSync(files[1]!.path, 'utf8')).toContain('Part 2 of 3.');
    const { config, problems } = loadConfig(dir, knownAdapters);
    expect(problems).toEqual([]);
    expect(config!.customers).toHaveLength(n);
  });
});
