/**
 * `cwsync import` against the sandbox fakes over real HTTP, with a generated world of 300
 * customers whose ConnectWise names differ the ways real ones do, plus traps. Pins the
 * proposals, their scores and the unmatched; every accepted match must be right (precision
 * 100 %), and recall is printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { knownAdapters } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { RefusedError } from '../../src/errors.js';
import { ACCEPT } from '../../src/import/match.js';
import { type ImportFileResult, importToFile } from '../../src/import/run.js';
import type { Proposal } from '../../src/import/types.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { TEST_ENV, writeConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/temp.js';
import { generateImportWorld, type ImportWorld } from '../support/import-world.js';

const NOW = new Date('2026-11-26T02:17:00Z');
let generated: ImportWorld;
let sandbox: Sandbox;
let dir: string;
let first: ImportFileResult;

const load = (d: string): Config => {
  const { config, problems } = loadConfig(d, knownAdapters);
  expect(problems).toEqual([]);
  return config!;
};
const requests = () => sandbox.cw.requests.length + sandbox.mp.requests.length;

beforeAll(async () => {
  Object.assign(process.env, TEST_ENV);
  generated = generateImportWorld();
  sandbox = await startSandbox(generated.world);
  dir = join(tempDir(), 'config');
  writeConfig(dir, { cwUrl: sandbox.cw.apiBase, mpUrl: sandbox.mp.apiBase, customers: generated.customersYaml });
  first = await importToFile(load(dir), { now: NOW });
});
afterAll(() => sandbox.close());

const truthOf = (p: Proposal) => generated.cases.find((c) => c.customerId === p.customer.id)!;
const trap = (label: string) => first.proposals.find((p) => p.customer.id === generated.traps[label]!.customerId)!;

describe('import: 300 generated customers against the sandbox', () => {
  it('proposes every unbound customer once, and no bound one', () => {
    expect(generated.world.mp.customers).toHaveLength(300);
    const bound = generated.cases.filter((c) => c.bound).map((c) => c.customerId);
    expect(first.bound).toBe(bound.length);
    expect(first.proposals).toHaveLength(300 - bound.length);
    expect(first.proposals.some((p) => bound.includes(p.customer.id))).toBe(false);
    expect(new Set(first.proposals.map((p) => p.customer.id)).size).toBe(first.proposals.length);
  });

  it('accepts only right matches (precision 100 %), and states recall', () => {
    const accepted = first.proposals.filter((p) => p.verdict === 'accepted');
    const wrong = accepted.filter((p) => p.match.best!.company.id !== truthOf(p).companyId);
    expect(wrong.map((p) => `${p.customer.name} -> ${p.match.best!.company.name}`)).toEqual([]);
    const findable = first.proposals.filter((p) => truthOf(p).companyId !== null).length;
    const recall = accepted.length / findable;
    console.log(
      `import precision 100 % (${accepted.length}/${accepted.length} accepted right); recall ${(recall * 100).toFixed(1)} % (${accepted.length} of ${findable} customers that have a company)`,
    );
    expect(recall).toBeGreaterThan(0.9);
  });

  it('pins the outcome: accepted, to review, unmatched', () => {
    const n = (v: Proposal['verdict']) => first.proposals.filter((p) => p.verdict === v).length;
    expect({ accepted: n('accepted'), review: n('review'), unmatched: n('unmatched') }).toEqual({
      accepted: 238,
      review: 18,
      unmatched: 23,
    });
  });

  it('scores each way names differ as a person would', () => {
    const scores = (kind: string) =>
      first.proposals.filter((p) => truthOf(p).kind === kind).map((p) => p.match.best?.score ?? 0);
    const outside = (kind: string, low: number, high: number) => scores(kind).filter((s) => s < low || s > high);
    for (const kind of ['case', 'punctuation', 'whitespace', 'and', 'diacritics', 'legal', 'the', 'abbreviation'])
      expect(outside(kind, 1, 1)).toEqual([]);
    expect(outside('spacing', 0.98, 0.99)).toEqual([]);
    expect(outside('typo', ACCEPT, 0.97)).toEqual([]);
    expect(outside('domain', 0.95, 0.99)).toEqual([]);
    expect(outside('identifier', 0.95, 0.99)).toEqual([]);
    expect(outside('extra-word', 0.7, 0.99)).toEqual([]);
    const missing = first.proposals.filter((p) => truthOf(p).kind === 'missing');
    expect(missing.every((p) => p.verdict === 'unmatched')).toBe(true);
  });

  it('does not fall into the traps', () => {
    const cw = generated.world.cw;
    const id = (identifier: string) => cw.companies.find((c) => c.identifier === identifier)!.id;
    expect(trap('similar-acme')).toMatchObject({
      verdict: 'accepted',
      match: { best: { company: { id: id('ACME') } } },
    });
    expect(trap('similar-acme-logistics')).toMatchObject({
      verdict: 'accepted',
      match: { best: { company: { id: id('ACMELOG') } } },
    });
    expect(trap('ambiguous-short-name').verdict).not.toBe('accepted');
    expect(trap('same-name-companies')).toMatchObject({
      verdict: 'review',
      match: { why: '2 companies have this name' },
    });
    expect(trap('same-name-told-apart-by-domain')).toMatchObject({
      verdict: 'accepted',
      match: { best: { company: { id: id('ORIONNZ') } } },
    });
    expect(trap('near-miss-no-company')).toMatchObject({
      verdict: 'unmatched',
      match: { best: { company: { identifier: 'PINNACLE' } } },
    });
    expect(trap('no-company')).toMatchObject({ verdict: 'unmatched', match: { best: undefined } });
    expect(trap('deleted-company')).toMatchObject({ verdict: 'unmatched', match: { best: undefined } });
    const beacon = trap('two-active-agreements');
    expect(beacon.verdict).toBe('review');
    expect(beacon.agreement).toMatchObject({ kind: 'open' });
    expect(beacon.agreement?.kind === 'open' && beacon.agreement.candidates.map((a) => a.name)).toEqual([
      'Email Security',
      'Managed Services',
    ]);
    expect(trap('no-active-agreement').agreement).toMatchObject({
      kind: 'open',
      why: 'the company has no active agreement',
    });
    expect(trap('two-customers-one-company').verdict).toBe('review');
    expect(trap('two-customers-one-company-2').verdict).toBe('review');
    expect(trap('company-already-bound').verdict).toBe('review');
    expect(trap('company-already-bound').notes.join()).toMatch(
      /INITECH is already bound to customer "Initech" \(.*customers\.yaml:\d+\)/,
    );
  });

  it('writes a new file under customers/ that validates with the rest of the config', () => {
    expect(first.target!.path).toBe(join(dir, 'customers', 'imported-2026-11-26.yaml'));
    const text = readFileSync(first.target!.path, 'utf8');
    const accepted = first.proposals.filter((p) => p.verdict === 'accepted').length;
    expect((parse(text) as { customers: unknown[] }).customers).toHaveLength(accepted);
    const config = load(dir);
    expect(config.customers).toHaveLength(accepted + first.bound);
    expect(text).toContain('# ---- unmatched: no company scored 0.70 or more ----');
    expect(text).not.toMatch(/VORTEX/);
  });

  it('read no user groups: listing customers and domains is enough', () => {
    expect(sandbox.mp.requests.filter((r) => r.path.includes('user_groups'))).toEqual([]);
    expect(sandbox.mp.requests.some((r) => r.path.endsWith('/resellers/343/domains'))).toBe(true);
  });

  it('run again, proposes only what is still unbound, in a new file', async () => {
    const again = await importToFile(load(dir), { now: NOW });
    const left = first.proposals.filter((p) => p.verdict !== 'accepted').map((p) => p.customer.id);
    expect(again.proposals.map((p) => p.customer.id).sort()).toEqual(left.sort());
    expect(again.target!.path).toBe(join(dir, 'customers', 'imported-2026-11-26-2.yaml'));
    expect(readFileSync(first.target!.path, 'utf8')).toContain('# accepted: 238 ');
    load(dir);
  });

  it('refuses an --out file that exists, before reading anything', async () => {
    const before = requests();
    await expect(importToFile(load(dir), { now: NOW, out: first.target!.path })).rejects.toThrow(RefusedError);
    await expect(importToFile(load(dir), { now: NOW, out: first.target!.path })).rejects.toThrow(
      /imported-2026-11-26\.yaml already exists; cwsync import never overwrites a file/,
    );
    expect(requests()).toBe(before);
  });

  it('with --agreement "Email*", picks the email agreement of a company that has two', async () => {
    const out = join(tempDir(), 'elsewhere.yaml');
    const result = await importToFile(load(dir), { now: NOW, out, agreement: 'Email*' });
    const beacon = result.proposals.find(
      (p) => p.customer.id === generated.traps['two-active-agreements']!.customerId,
    )!;
    expect(beacon).toMatchObject({
      verdict: 'accepted',
      // The agreement's type is read too (the sandbox calls every agreement "Managed Services").
      agreement: { kind: 'chosen', agreement: { name: 'Email Security', type: 'Managed Services' } },
    });
    expect(result.target).toEqual({ path: out, partOfConfig: false });
    expect(readFileSync(out, 'utf8')).toContain('agreement: the active agreement matching "Email*"');
  });
});
