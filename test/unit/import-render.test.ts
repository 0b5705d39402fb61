import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { knownAdapters } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';
import { propose } from '../../src/import/propose.js';
import { renderProposals, yamlScalar } from '../../src/import/render.js';
import { renderSummary } from '../../src/import/summary.js';
import type { ImportAgreement, ImportCompany, ImportCustomer } from '../../src/import/types.js';
import { writeConfig } from '../helpers/config.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const customer = (id: number, name: string, domains: string[] = []): ImportCustomer => ({ id, name, domains });
const company = (id: number, name: string, identifier: string): ImportCompany => ({ id, name, identifier });
const agreement = (id: number, companyId: number, name = 'Email Security'): ImportAgreement => ({
  id,
  companyId,
  name,
  status: 'Active',
});
const meta = { source: 'test data', command: 'cwsync import', bound: 0 };

type Entry = { customer: string | number; company: string; agreement: unknown };
const bindingsOf = (text: string) => (parse(text) as { customers: Entry[] }).customers;

describe('propose', () => {
  const companies = [company(1, 'Acme Ltd', 'ACME'), company(2, 'Globex Corporation', 'GLOBEX')];
  const agreements = [agreement(11, 1), agreement(12, 2)];

  it('skips customers already bound, by id or by name in any case', () => {
    const { proposals, bound } = propose({
      customers: [customer(1, 'Acme Ltd'), customer(2, 'Globex Corp'), customer(3, 'Initech')],
      companies,
      agreements,
      existing: [
        { customer: 'ACME LTD', company: 'ACME', where: 'customers.yaml:2' },
        { customer: 2, company: 'GLOBEX', where: 'customers.yaml:5' },
      ],
    });
    expect(bound).toBe(2);
    expect(proposals.map((p) => p.customer.id)).toEqual([3]);
  });

  it('never puts two customers on one company silently: both are left for review, saying why', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Globex Corp.'), customer(2, 'GLOBEX CORPORATION')],
      companies,
      agreements,
      existing: [],
    });
    expect(proposals.map((p) => p.verdict)).toEqual(['review', 'review']);
    expect(proposals[0]!.notes.join()).toContain('GLOBEX is also proposed for "GLOBEX CORPORATION"');
  });

  it('keeps a unique exact match accepted when a fuzzy one shares its company, and says so', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Acme Ltd'), customer(2, 'Acme Group', ['acme.com'])],
      companies: [company(1, 'Acme Ltd', 'ACMEUK')],
      agreements,
      existing: [],
    });
    const [exact, other] = [proposals.find((p) => p.customer.id === 1)!, proposals.find((p) => p.customer.id === 2)!];
    expect(exact.verdict).toBe('accepted');
    expect(exact.notes.join()).toContain('also proposed for "Acme Group"');
    expect(other.match.verdict).toBe('accepted');
    expect(other.verdict).toBe('review');
  });

  it('leaves a company already bound to another customer for review', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Initech'), customer(2, 'INITECH Limited')],
      companies: [company(5, 'Initech Ltd', 'INITECH')],
      agreements: [agreement(15, 5)],
      existing: [{ customer: 'Initech', company: 'initech', where: 'customers.yaml:9' }],
    });
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({ verdict: 'review' });
    expect(proposals[0]!.notes[0]).toContain('already bound to customer "Initech" (customers.yaml:9)');
  });

  it('names a customer by id when its name is not unique', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Acme Ltd'), customer(2, 'acme ltd')],
      companies,
      agreements,
      existing: [],
    });
    expect(proposals.map((p) => p.customerRef).sort()).toEqual([1, 2]);
  });
});

describe('renderProposals', () => {
  it('writes accepted bindings active, the doubtful commented out, the unmatched as a list', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Acme Ltd'), customer(2, 'Beacon Law'), customer(3, 'Zephyr Yoga')],
      companies: [company(1, 'ACME Limited', 'ACME'), company(2, 'Beacon Law LLP', 'BEACON')],
      agreements: [agreement(11, 1), agreement(21, 2, 'Email Security'), agreement(22, 2, 'Managed Services')],
      existing: [],
    });
    const text = renderProposals(proposals, meta);
    expect(bindingsOf(text)).toEqual([{ customer: 'Acme Ltd', company: 'ACME', agreement: 'Email Security' }]);
    expect(text).toContain('#   same name · score 1.00 · agreement: the only active agreement');
    expect(text).toContain('  # - customer: Beacon Law\n  #   company: BEACON\n  #   agreement: ""');
    expect(text).toContain('#   agreements: "Email Security" (id 21), "Managed Services" (id 22)');
    expect(text).toMatch(/# ---- unmatched[^\n]*\n# {3}Zephyr Yoga \(Mailprotector #3\): no company comes near/);
    expect(text).toContain('# accepted: 1 · to review: 1 · unmatched: 1');
  });

  it('writes { id } and says why when the agreement name is not unique', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Acme Ltd')],
      companies: [company(1, 'Acme Ltd', 'ACME')],
      agreements: [agreement(11, 1), { ...agreement(12, 1), status: 'Expired' }],
      existing: [],
    });
    expect(bindingsOf(renderProposals(proposals, meta))[0]!.agreement).toEqual({ id: 11 });
  });

  it('gives `customers: []` when nothing is accepted, which still validates', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Nobody Known')],
      companies: [],
      agreements: [],
      existing: [],
    });
    const text = renderProposals(proposals, meta);
    expect(bindingsOf(text)).toEqual([]);
    const dir = tempDir();
    writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/apis/3.0', mpUrl: 'http://127.0.0.1:2/api/v1' });
    writeFiles(dir, { 'customers/imported.yaml': text });
    expect(loadConfig(dir, knownAdapters).problems).toEqual([]);
  });

  it.each([
    ['a line break that would add a binding', 'Evil\n  - customer: Injected\n    company: X'],
    ['a YAML comment marker', 'Acme #1'],
    ['a colon and space', 'Acme: The Company'],
    ['a number', '12345'],
    ['a boolean', 'true'],
    ['a leading dash', '- Acme'],
    ['surrounding spaces', '  Acme  '],
    ['a bidi override', 'Acme\u202Eevil'],
    ['quotes and backslashes', 'Acme "Quoted" \\ Ltd'],
  ])('keeps a hostile customer name (%s) exactly, adding no YAML', (_, name) => {
    const { proposals } = propose({
      customers: [customer(1, name), customer(2, `${name} unmatched`)],
      companies: [company(1, name, 'ACME')],
      agreements: [agreement(11, 1)],
      existing: [],
    });
    const text = renderProposals(proposals, meta);
    const parsed = bindingsOf(text);
    expect(parsed).toEqual([{ customer: name, company: 'ACME', agreement: 'Email Security' }]);
    for (const line of text.split('\n')) expect(line).not.toMatch(/[\u202E\r]/);
  });

  it('quotes only what plain YAML would misread', () => {
    expect(yamlScalar('Acme Ltd')).toBe('Acme Ltd');
    expect(yamlScalar("O'Brien & Sons, Inc.")).toBe("O'Brien & Sons, Inc.");
    expect(yamlScalar('null')).toBe('"null"');
    expect(yamlScalar('0x1F')).toBe('"0x1F"');
    expect(yamlScalar(7114)).toBe('7114');
  });
});

describe('renderSummary (pull request body)', () => {
  it('escapes markdown, HTML and @mentions in names', () => {
    const { proposals } = propose({
      customers: [{ ...customer(1, '@team <b>|x|</b>'), users: 5 }],
      companies: [],
      agreements: [],
      existing: [],
    });
    const md = renderSummary(proposals);
    expect(md).toContain('&#64;team &lt;b&gt;\\|x\\|&lt;/b&gt; (#1) | 5 |');
    expect(md).not.toContain('@team');
  });
});

describe('loadConfig on a directory with the rendered file', () => {
  it('reads the accepted bindings as part of the config', () => {
    const { proposals } = propose({
      customers: [customer(1, 'Acme Ltd')],
      companies: [company(1, 'Acme Ltd', 'ACME')],
      agreements: [agreement(11, 1)],
      existing: [],
    });
    const dir = tempDir();
    writeConfig(dir, { cwUrl: 'http://127.0.0.1:1/apis/3.0', mpUrl: 'http://127.0.0.1:2/api/v1' });
    writeFiles(dir, { 'customers/imported.yaml': renderProposals(proposals, meta) });
    const { config, problems } = loadConfig(dir, knownAdapters);
    expect(problems).toEqual([]);
    expect(config!.customers).toMatchObject([
      {
        customer: 'Acme Ltd',
        company: 'ACME',
        source: { file: expect.stringContaining(join('customers', 'imported.yaml')) },
      },
    ]);
  });
});
