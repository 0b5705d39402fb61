import { describe, expect, it } from 'vitest';
import { chooseAgreement, globToRegExp } from '../../src/import/agreement.js';
import { ACCEPT, createMatcher, REVIEW, showScore } from '../../src/import/match.js';
import { domainLabel, normalizeName } from '../../src/import/normalize.js';
import { jaroWinkler, nameSimilarity } from '../../src/import/similarity.js';
import type { ImportAgreement, ImportCompany } from '../../src/import/types.js';

const key = (name: string) => normalizeName(name).key;
const sim = (a: string, b: string) => nameSimilarity(normalizeName(a), normalizeName(b));

describe('normalizeName: what a person sets aside', () => {
  it.each([
    ['case', 'ACME LOGISTICS', 'acme logistics'],
    ['punctuation', 'Acme-Logistics, Inc.', 'Acme Logistics'],
    ['whitespace', '  Acme   Logistics ', 'Acme Logistics'],
    ['& and "and"', 'Smith & Jones', 'Smith and Jones'],
    ['diacritics', 'Café Zürich Müller', 'Cafe Zurich Muller'],
    ['special letters', 'Straße Øster', 'Strasse Oster'],
    ['Ltd / Limited', 'Acme Ltd', 'Acme Limited'],
    ['Pty Ltd', 'Acme Pty Ltd', 'Acme'],
    ['L.L.C.', 'Acme, L.L.C.', 'Acme LLC'],
    ['GmbH & Co. KG', 'Acme GmbH & Co. KG', 'Acme'],
    ['S.A. / B.V. / plc / AG', 'Acme S.A.', 'Acme B.V.'],
    ['Co., Ltd.', 'Acme Co., Ltd.', 'Acme Company Limited'],
    ['Corp / Corporation', 'Globex Corp.', 'GLOBEX CORPORATION'],
    ['a leading "the"', 'The Acme Group', 'Acme Group'],
    ['abbreviations', 'Acme Intl Svcs', 'Acme International Services'],
    ['apostrophes', "O'Brien's Bakery", 'OBriens Bakery'],
  ])('%s: "%s" = "%s"', (_, a, b) => {
    expect(key(a)).toBe(key(b));
  });

  it.each([
    ['a different word', 'Acme Logistics', 'Acme Foods'],
    ['a missing word', 'Acme', 'Acme Logistics'],
    ['a legal form only at the end', 'Acme Co Logistics', 'Acme Logistics'],
  ])('keeps apart %s: "%s" vs "%s"', (_, a, b) => {
    expect(key(a)).not.toBe(key(b));
  });

  it('never strips a name down to nothing', () => {
    expect(key('Limited')).toBe('limited');
    expect(key('&&&')).toBe('');
  });
});

describe('domainLabel', () => {
  it.each([
    ['harbordental.com', 'harbordental'],
    ['mail.harbor-dental.co.uk', 'harbordental'],
    ['contoso.onmicrosoft.com', 'contoso'],
    ['acme.com.au', 'acme'],
    ['ab.com', undefined],
    ['gmail.com', undefined],
    ['not a domain', undefined],
    ['localhost', undefined],
  ])('%s -> %s', (domain, label) => {
    expect(domainLabel(domain)).toBe(label);
  });
});

describe('jaroWinkler', () => {
  it('matches the textbook values', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.813, 3);
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', 'abc')).toBe(0);
  });
});

describe('nameSimilarity', () => {
  it('is 1 for the same name, 0.98 when only spacing differs', () => {
    expect(sim('Acme Logistics Ltd', 'ACME LOGISTICS LIMITED')).toBe(1);
    expect(sim('Blue Sky Dental', 'BlueSky Dental')).toBe(0.98);
  });

  it('keeps a typo above ACCEPT, below the same name', () => {
    const s = sim('Harbor Chiropractic', 'Harbor Chiopractic');
    expect(s).toBeGreaterThanOrEqual(ACCEPT);
    expect(s).toBeLessThan(0.98);
  });

  it('does not call a name contained in another a match (token-set ratios do)', () => {
    expect(sim('Acme', 'Acme Logistics')).toBeLessThan(REVIEW);
    expect(sim('Pinnacle Roofing', 'Pinnacle Plumbing')).toBeLessThan(REVIEW);
  });

  it('puts one extra word between REVIEW and ACCEPT', () => {
    const s = sim('Heron Joinery', 'Heron Joinery Clinic Ltd');
    expect(s).toBeGreaterThanOrEqual(REVIEW);
    expect(s).toBeLessThan(ACCEPT);
  });
});

describe('showScore', () => {
  it('cuts rather than rounds, so a miss never reads as the threshold', () => {
    expect(showScore(0.899)).toBe('0.89');
    expect(showScore(0.9)).toBe('0.90');
    expect(showScore(1)).toBe('1.00');
  });
});

const company = (id: number, name: string, identifier = `C${id}`): ImportCompany => ({ id, name, identifier });

describe('createMatcher: decisions', () => {
  const companies = [
    company(1, 'Acme Ltd', 'ACME'),
    company(2, 'Acme Logistics Ltd', 'ACMELOG'),
    company(3, 'Summit Partners LLC', 'SUMMITP'),
    company(4, 'Summit Partners Ltd', 'SUMMITPNZ'),
    company(5, 'Harbor Chiropractic LLP', 'HARBORCH'),
    company(6, 'Harbour Chiropractic LLP', 'HARBOURCH'),
    company(7, 'Northwind Traders Ltd', 'NORTHWIND'),
    company(8, 'Fern Optics Ltd', 'FERNOPT'),
    company(9, 'Fern Realty Ltd', 'FERNREAL'),
  ];
  const matcher = createMatcher(companies);
  const match = (name: string, domains: string[] = []) => matcher.match({ id: 1, name, domains });

  it('accepts a unique exact match over a similar company', () => {
    const m = match('ACME Limited');
    expect(m.verdict).toBe('accepted');
    expect(m.best?.company.id).toBe(1);
    expect(m.best?.score).toBe(1);
    expect(match('Acme Logistics').best?.company.id).toBe(2);
  });

  it('leaves two companies of the same name for review, naming both', () => {
    const m = match('Summit Partners');
    expect(m.verdict).toBe('review');
    expect(m.why).toBe('2 companies have this name');
    expect([m.best!.company.id, ...m.rivals.map((r) => r.company.id)].sort()).toEqual([3, 4]);
  });

  it('leaves for review, saying why, a company whose name reads the same but differs by invisible characters or NFD', () => {
    const look = createMatcher([company(1, 'Fabrikam Ltd', 'FAB'), company(2, 'Cafe\u0301 Royal', 'CAFE')]);
    const zeroWidth = look.match({ id: 1, name: 'Fab\u200Brikam Ltd', domains: [] });
    expect(zeroWidth).toMatchObject({
      verdict: 'review',
      why: '"Fab\\u200Brikam Ltd" differs from "Fabrikam Ltd" only by invisible characters',
    });
    expect(zeroWidth.best?.company.id).toBe(1);
    expect(look.match({ id: 2, name: 'Caf\u00e9 Royal', domains: [] })).toMatchObject({
      verdict: 'review',
      why: '"Caf\\u00E9 Royal" differs from "Cafe\\u0301 Royal" only by Unicode normalisation (NFC/NFD)',
    });
    expect(look.match({ id: 3, name: 'FABRIKAM LTD', domains: [] }).verdict).toBe('accepted');
  });

  it('lets a mail domain tell apart two companies of the same name', () => {
    const m = match('Summit Partners', ['summitpnz.co.nz']);
    expect(m.verdict).toBe('accepted');
    expect(m.best?.company.id).toBe(4);
    expect(m.how).toContain('summitpnz.co.nz');
  });

  it('accepts an exact name even when a near-identical company exists', () => {
    expect(match('Harbor Chiropractic').best?.company.id).toBe(5);
    expect(match('Harbor Chiropractic').verdict).toBe('accepted');
  });

  it('leaves a typo that sits between two companies for review', () => {
    const m = match('Harbr Chiropractic');
    expect(m.verdict).toBe('review');
    expect(m.why).toMatch(/scores nearly as well/);
  });

  it('accepts a name that is the company identifier', () => {
    const m = match('NORTHWIND');
    expect(m.verdict).toBe('accepted');
    expect(m.best?.company.id).toBe(7);
    expect(m.best?.score).toBeGreaterThanOrEqual(0.95);
  });

  it('accepts a short name whose mail domain names the company, but not without it', () => {
    expect(match('Fern', ['fernoptics.co.uk'])).toMatchObject({ verdict: 'accepted', best: { company: { id: 8 } } });
    expect(match('Fern').verdict).not.toBe('accepted');
  });

  it('reports no match with the closest company, or none', () => {
    const near = match('Acme Foods');
    expect(near.verdict).toBe('unmatched');
    expect(near.best?.company.id).toBe(1);
    const far = match('Zephyr Yoga Studio');
    expect(far).toMatchObject({ verdict: 'unmatched', best: undefined, how: 'no company comes near' });
  });
});

describe('chooseAgreement', () => {
  const a = (id: number, name: string, o: Partial<ImportAgreement> = {}): ImportAgreement => ({
    id,
    name,
    companyId: 1,
    status: 'Active',
    ...o,
  });

  it('takes the only active agreement', () => {
    const c = chooseAgreement([a(1, 'Email Security'), a(2, 'Old', { status: 'Expired' })]);
    expect(c).toMatchObject({ kind: 'chosen', agreement: { id: 1 }, byId: false });
  });

  it('leaves two active agreements open, listing both', () => {
    const c = chooseAgreement([a(1, 'Email Security'), a(2, 'Managed Services')]);
    expect(c.kind).toBe('open');
    if (c.kind === 'open') expect(c.candidates.map((x) => x.id)).toEqual([1, 2]);
  });

  it('takes the one whose name or type matches the pattern', () => {
    expect(chooseAgreement([a(1, 'Email Security'), a(2, 'Managed Services')], 'email*')).toMatchObject({
      kind: 'chosen',
      agreement: { id: 1 },
    });
    expect(
      chooseAgreement([a(1, 'Contract 2024', { type: 'Email' }), a(2, 'Contract 2025', { type: 'MSP' })], 'Email'),
    ).toMatchObject({ kind: 'chosen', agreement: { id: 1 } });
  });

  it('does not fall back to the only agreement when it misses the pattern', () => {
    expect(chooseAgreement([a(1, 'Managed Services')], 'Email*')).toMatchObject({
      kind: 'open',
      why: 'no active agreement matches "Email*"',
    });
  });

  it('says when there is no active agreement', () => {
    expect(chooseAgreement([])).toMatchObject({ kind: 'open', why: 'the company has no agreement' });
    expect(chooseAgreement([a(1, 'Email', { status: 'Expired' })])).toMatchObject({
      kind: 'open',
      why: 'the company has no active agreement',
    });
  });

  it('writes { id } when another agreement of the company has the same name', () => {
    const c = chooseAgreement([a(1, 'Email Security'), a(2, 'Email Security', { status: 'Expired' })]);
    expect(c).toMatchObject({ kind: 'chosen', agreement: { id: 1 }, byId: true });
  });

  it('treats glob metacharacters only as * and ?', () => {
    expect(globToRegExp('Email (US)*').test('Email (US) 2025')).toBe(true);
    expect(globToRegExp('Email (US)*').test('Email US 2025')).toBe(false);
    expect(globToRegExp('E?ail').test('Email')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
