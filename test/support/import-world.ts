/**
 * A generated world for `cwsync import`: 300 Mailprotector customers whose ConnectWise
 * companies are named the way real ones differ (case, punctuation, spacing, "&"/"and",
 * accents, legal forms, abbreviations, typos, a short name with a telling domain or the
 * company identifier as name, an extra word), plus traps: similar companies, same-named
 * companies, a deleted company, customers with no company, a company with two active
 * agreements and one with none, two customers of one company, a company already bound.
 * Deterministic for a seed; `truth` says which company each customer really is.
 */
import { normalizeName } from '../../src/import/normalize.js';
import { type CwAgreement, type CwCompany, emptyCwWorld, emptyMpWorld, type World } from '../../src/sandbox/world.js';
import { mulberry32 } from './scenario.js';

type ImportCaseKind =
  | 'identical'
  | 'case'
  | 'punctuation'
  | 'whitespace'
  | 'and'
  | 'diacritics'
  | 'legal'
  | 'the'
  | 'typo'
  | 'spacing'
  | 'abbreviation'
  | 'domain'
  | 'identifier'
  | 'extra-word'
  | 'missing'
  | 'trap';

interface ImportCase {
  customerId: number;
  kind: ImportCaseKind;
  /** The company this customer really is, if ConnectWise has it (and it is not deleted). */
  companyId: number | null;
  /** Bound already in the generated customers.yaml. */
  bound: boolean;
  /** Users across its user groups (0: no usage). */
  users: number;
}

export interface ImportWorld {
  world: World;
  /** customers.yaml with the bindings that already exist. */
  customersYaml: string;
  cases: ImportCase[];
  /** Named traps, for tests to look up. */
  traps: Record<string, { customerId: number; companyId: number | null }>;
}

const FIRST = [
  'Harbor',
  'Maple',
  'Cedar',
  'Falcon',
  'Orchid',
  'Pioneer',
  'Quarry',
  'Redwood',
  'Sapphire',
  'Tundra',
  'Willow',
  'Zenith',
  'Aspen',
  'Bramble',
  'Cobalt',
  'Delta',
  'Ember',
  'Fjord',
  'Glacier',
  'Hollow',
  'Ivory',
  'Juniper',
  'Kestrel',
  'Lantern',
  'Meadow',
  'Nimbus',
  'Oakridge',
  'Pebble',
  'Quill',
  'Raven',
  'Sterling',
  'Thistle',
  'Umber',
  'Vantage',
  'Wren',
  'Yarrow',
  'Acorn',
  'Birch',
  'Canyon',
  'Dune',
  'Evergreen',
  'Fern',
  'Golden',
  'Heron',
  'Indigo',
  'Jasper',
  'Keystone',
  'Lotus',
  'Mosaic',
  'Northgate',
  'Onyx',
  'Prairie',
  'Quartz',
  'Ridgeway',
  'Silverline',
  'Timber',
  'Upland',
  'Valley',
  'Westbrook',
  'Bayside',
  'Copper',
  'Driftwood',
  'Elmwood',
  'Foxglove',
  'Garnet',
  'Highland',
  'Ironwood',
  'Lakeside',
  'Marble',
  'Newport',
];
const INDUSTRY = [
  'Dental',
  'Legal',
  'Logistics',
  'Plumbing',
  'Roofing',
  'Accounting',
  'Bakery',
  'Engineering',
  'Consulting',
  'Marketing',
  'Realty',
  'Veterinary',
  'Pharmacy',
  'Printing',
  'Landscaping',
  'Insurance',
  'Architects',
  'Electrical',
  'Catering',
  'Fitness',
  'Flooring',
  'Motors',
  'Optics',
  'Pediatrics',
  'Robotics',
  'Textiles',
  'Travel',
  'Brewing',
  'Chiropractic',
  'Software',
  'Surveying',
  'Interiors',
  'Orthodontics',
  'Shipping',
  'Hospitality',
  'Nursery',
  'Joinery',
  'Glazing',
];
const TAILS = ['Group', 'Partners', 'Studio', 'Works', 'Supply', 'Labs', 'Collective', 'Clinic'];
const SURNAMES = [
  'Smith',
  'Jones',
  'Patel',
  'Nguyen',
  'Garcia',
  'Okafor',
  'Kowalski',
  'Lindqvist',
  'Tanaka',
  'Moreau',
  'Rossi',
  'Murphy',
  'Schmidt',
  'Haddad',
  'Novak',
  'Silva',
  'Kimura',
  'Singh',
  'Brennan',
  'Dubois',
];
const ACCENTED = ['Zürich', 'Müller', 'Café', 'Björk', 'Crème', 'Señora', 'Ålborg', 'François', 'Øster', 'Straße'];
const LEGAL_PAIRS: Array<[mp: string, cw: string]> = [
  ['Pty Ltd', ''],
  ['Limited', 'Ltd'],
  ['Inc.', 'Incorporated'],
  ['L.L.C.', 'LLC'],
  ['Corp', 'Corporation'],
  ['GmbH', ''],
  ['S.A.', 'SA'],
  ['B.V.', ''],
  ['PLC', 'plc'],
  ['Co., Ltd.', 'Company Limited'],
];
const SUFFIXES = ['Ltd', 'Inc', 'LLC', 'Limited', 'GmbH', 'Pty Ltd', 'Corp', 'PLC', 'LLP', ''];
const ABBREVIATED: Array<[full: string, short: string]> = [
  ['International', 'Intl'],
  ['Management', 'Mgmt'],
  ['Manufacturing', 'Mfg'],
  ['Associates', 'Assoc'],
  ['Brothers', 'Bros'],
  ['Services', 'Svcs'],
];
const KINDS: ImportCaseKind[] = [
  'identical',
  'case',
  'punctuation',
  'whitespace',
  'and',
  'diacritics',
  'legal',
  'the',
  'typo',
  'spacing',
  'abbreviation',
  'domain',
  'identifier',
  'extra-word',
  'missing',
];

const compactOf = (text: string) => normalizeName(text).compact;
const join = (...parts: string[]) => parts.filter(Boolean).join(' ');

/** One misspelling in the longest word: a letter dropped, two swapped or a vowel changed. */
function misspell(name: string, rand: () => number): string {
  const words = name.split(' ');
  let at = 0;
  words.forEach((w, i) => {
    if (w.length > words[at]!.length) at = i;
  });
  const w = words[at]!;
  const i = 2 + Math.floor(rand() * (w.length - 3));
  const op = Math.floor(rand() * 3);
  let typo: string;
  if (op === 0) typo = w.slice(0, i) + w.slice(i + 1);
  else if (op === 1) typo = w.slice(0, i) + w[i + 1]! + w[i]! + w.slice(i + 2);
  else typo = w.slice(0, i) + (/[aeiou]/.test(w[i]!) ? (w[i] === 'e' ? 'a' : 'e') : `${w[i]}${w[i]}`) + w.slice(i + 1);
  words[at] = typo;
  return words.join(' ');
}

interface Variant {
  mpName: string;
  /** Undefined: ConnectWise has no such company. */
  cwName?: string;
  identifier?: string;
  /** A mail domain that names the company. */
  domain?: string;
}

/** The two names of one generated customer, differing the way `kind` says. */
function variant(
  kind: ImportCaseKind,
  { first, industry, tail }: { first: string; industry: string; tail: string },
  i: number,
  rand: () => number,
  identifierFor: (name: string) => string,
): Variant {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const base = join(first, industry, tail);
  const suffix = pick(SUFFIXES);
  let mpName: string;
  let cwName: string | undefined;
  let identifier: string | undefined;
  let domain: string | undefined;
  switch (kind) {
    case 'identical':
      mpName = cwName = join(base, suffix);
      break;
    case 'case':
      mpName = i % 2 ? join(base, suffix).toUpperCase() : join(base, suffix).toLowerCase();
      cwName = join(base, suffix);
      break;
    case 'punctuation':
      mpName = `${first}-${join(industry, tail)}, ${suffix || 'Inc'}.`;
      cwName = join(base, suffix || 'Inc');
      break;
    case 'whitespace':
      mpName = ` ${first}   ${join(industry, tail)}  ${suffix}`.replace(/\s+$/, ' ');
      cwName = join(base, suffix);
      break;
    case 'and': {
      const [a, b] = [pick(SURNAMES), pick(SURNAMES)];
      const pair = a === b ? `${a} & Sons` : `${a} & ${b}`;
      mpName = join(pair, industry);
      cwName = join(pair.replace('&', 'and'), industry, 'Ltd');
      break;
    }
    case 'diacritics': {
      const plain = base
        .normalize('NFKD')
        .replace(/\p{M}+/gu, '')
        .replace('ß', 'ss')
        .replace('Å', 'A')
        .replace('Ø', 'O');
      [mpName, cwName] = i % 2 ? [base, join(plain, 'GmbH')] : [plain, join(base, 'GmbH')];
      break;
    }
    case 'legal': {
      const [mpForm, cwForm] = pick(LEGAL_PAIRS);
      mpName = join(base, mpForm);
      cwName = join(base, cwForm);
      break;
    }
    case 'the':
      mpName = join('The', base);
      cwName = join(base, 'Ltd');
      break;
    case 'typo':
      mpName = join(base, suffix);
      cwName = join(misspell(base, rand), suffix);
      break;
    case 'spacing':
      mpName = join(base, suffix);
      cwName = join(`${first}${industry}`, tail, suffix);
      break;
    case 'abbreviation': {
      const [full, short] = pick(ABBREVIATED);
      [mpName, cwName] =
        i % 2
          ? [join(first, industry, full), join(first, industry, short, 'Ltd')]
          : [join(first, industry, short), join(first, industry, full, 'Inc')];
      break;
    }
    case 'domain':
      mpName = first;
      cwName = join(first, industry, 'Ltd');
      domain = `${compactOf(cwName)}.co.uk`;
      break;
    case 'identifier':
      cwName = join(base, suffix);
      identifier = identifierFor(cwName);
      mpName = identifier;
      break;
    case 'extra-word':
      mpName = join(first, industry);
      cwName = join(first, industry, tail || 'Group', 'Ltd');
      break;
    default:
      mpName = join(base, suffix);
      cwName = undefined;
  }
  return { mpName, cwName, identifier, domain };
}

/** Builds one world: the ids, names and identifiers used so far, so nothing collides. */
class ImportWorldBuilder {
  readonly cw = emptyCwWorld();
  readonly mp = emptyMpWorld();
  readonly cases: ImportCase[] = [];
  readonly traps: ImportWorld['traps'] = {};
  readonly bindings: string[] = [];
  readonly usedKeys = new Set<string>();
  private readonly usedPairs = new Set<string>();
  readonly usedMpKeys = new Set<string>();
  private readonly usedIdentifiers = new Set<string>();
  private companyIds = 1;
  private agreementIds = 5_001;
  private customerIds = 20_001;
  private domainIds = 1;
  private groupIds = 1;
  /** Generated customers already bound in customers.yaml. */
  boundSoFar = 0;

  constructor(readonly rand: () => number) {}

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  readonly identifierFor = (name: string): string => {
    const root = compactOf(name).toUpperCase().slice(0, 15) || 'COMPANY';
    let id = root;
    for (let n = 2; this.usedIdentifiers.has(id); n++) id = `${root.slice(0, 13)}${n}`;
    this.usedIdentifiers.add(id);
    return id;
  };

  addCompany(name: string, o: { identifier?: string; deleted?: boolean; agreements?: Partial<CwAgreement>[] } = {}) {
    const company: CwCompany = {
      id: this.companyIds++,
      identifier: o.identifier ?? this.identifierFor(name),
      name,
      deletedFlag: o.deleted ?? false,
    };
    this.usedIdentifiers.add(company.identifier);
    this.cw.companies.push(company);
    this.usedKeys.add(normalizeName(name).key);
    for (const a of o.agreements ?? [{ name: 'Email Security' }])
      this.cw.agreements.push({
        id: this.agreementIds++,
        name: a.name ?? 'Email Security',
        companyId: company.id,
        agreementStatus: a.agreementStatus ?? 'Active',
        cancelledFlag: a.cancelledFlag ?? false,
      });
    return company;
  }

  /** A customer with one domain (every fifth with an alias domain too) and, with users, one CloudFilter group. */
  addCustomer(name: string, domain: string, users: number): number {
    const id = this.customerIds++;
    this.mp.customers.push({ id, name, resellerId: this.mp.resellerId });
    const domainId = this.domainIds++;
    this.mp.domains.push({ id: domainId, name: domain, customerId: id, parentId: null });
    if (id % 5 === 0)
      this.mp.domains.push({ id: this.domainIds++, name: `alias-${domain}`, customerId: id, parentId: domainId });
    if (users > 0) {
      const groupId = this.groupIds++;
      this.mp.userGroups.push({ id: groupId, name: 'Staff', domainId, userCount: users });
      this.mp.services.push({ id: groupId, userGroupId: groupId, serviceType: 'CloudFilter Email Security' });
    }
    return id;
  }

  usersFor(i: number): number {
    return i % 7 === 3 ? 0 : 1 + Math.floor(this.rand() * 60);
  }

  trap(label: string, mpName: string, domain: string, company: CwCompany | null, users = 12): number {
    this.usedMpKeys.add(normalizeName(mpName).key);
    const customerId = this.addCustomer(mpName, domain, users);
    this.cases.push({ customerId, kind: 'trap', companyId: company?.id ?? null, bound: false, users });
    this.traps[label] = { customerId, companyId: company?.id ?? null };
    return customerId;
  }

  /** A first word and an industry not drawn together before. */
  freshBase(first: readonly string[] = FIRST): { first: string; industry: string } {
    for (let tries = 0; ; tries++) {
      if (tries > 10_000) throw new Error('generateImportWorld: the word lists ran out; ask for fewer customers');
      const f = this.pick(first);
      const industry = this.pick(INDUSTRY);
      if (this.usedPairs.has(`${f}|${industry}`)) continue;
      this.usedPairs.add(`${f}|${industry}`);
      return { first: f, industry };
    }
  }
}

/** The traps, first, so the generated names steer clear of them. */
function addTraps(b: ImportWorldBuilder): void {
  const acme = b.addCompany('Acme Ltd', { identifier: 'ACME' });
  const acmeLogistics = b.addCompany('Acme Logistics Ltd', { identifier: 'ACMELOG' });
  b.trap('similar-acme', 'ACME Limited', 'acme-ltd-mail.net', acme);
  b.trap('similar-acme-logistics', 'Acme Logistics', 'acme-logistics-mail.net', acmeLogistics);
  b.addCompany('Summit Roofing Ltd', { identifier: 'SUMMITROOF' });
  b.addCompany('Summit Dental LLC', { identifier: 'SUMMITDENT' });
  b.trap('ambiguous-short-name', 'Summit', 'summit-mail.net', null);
  const summitLlc = b.addCompany('Summit Partners LLC', { identifier: 'SUMMITP' });
  b.addCompany('Summit Partners Ltd', { identifier: 'SUMMITP2' });
  b.trap('same-name-companies', 'Summit Partners', 'summit-partners-mail.net', summitLlc);
  const orionNz = b.addCompany('Orion Health Ltd', { identifier: 'ORIONNZ' });
  b.addCompany('Orion Health Inc', { identifier: 'ORIONUS' });
  b.trap('same-name-told-apart-by-domain', 'Orion Health', 'orion-nz.com', orionNz);
  b.addCompany('Pinnacle Plumbing Inc', { identifier: 'PINNACLE' });
  b.trap('near-miss-no-company', 'Pinnacle Roofing', 'pinnacle-roofing-mail.net', null);
  b.trap('no-company', 'Zephyr Yoga Studio', 'zephyr-yoga-mail.net', null);
  b.trap('no-company-2', 'Quokka Kite School', 'quokka-kites-mail.net', null);
  b.addCompany('Vortex Media Ltd', { identifier: 'VORTEX', deleted: true });
  b.trap('deleted-company', 'Vortex Media', 'vortex-media-mail.net', null);
  const beacon = b.addCompany('Beacon Law LLP', {
    identifier: 'BEACONLAW',
    agreements: [{ name: 'Email Security' }, { name: 'Managed Services' }],
  });
  b.trap('two-active-agreements', 'Beacon Law', 'beacon-law-mail.net', beacon);
  const granite = b.addCompany('Granite Quarry Inc', {
    identifier: 'GRANITEQ',
    agreements: [
      { name: 'Email Security', agreementStatus: 'Expired' },
      { name: 'Old Email', agreementStatus: 'Cancelled', cancelledFlag: true },
    ],
  });
  b.trap('no-active-agreement', 'Granite Quarry', 'granite-quarry-mail.net', granite);
  const globex = b.addCompany('Globex Corporation', { identifier: 'GLOBEX' });
  b.trap('two-customers-one-company', 'Globex Corp.', 'globex-mail.net', globex);
  b.trap('two-customers-one-company-2', 'GLOBEX CORPORATION', 'globex-eu-mail.net', globex);
  const initech = b.addCompany('Initech Ltd', { identifier: 'INITECH' });
  const boundInitech = b.addCustomer('Initech', 'initech-mail.net', 30);
  b.cases.push({ customerId: boundInitech, kind: 'trap', companyId: initech.id, bound: true, users: 30 });
  b.bindings.push('  - { customer: Initech, company: INITECH, agreement: Email Security }');
  b.trap('company-already-bound', 'INITECH Limited', 'initech-old-mail.net', initech);
  for (const key of ['summit', 'pinnacle roofing', 'zephyr yoga studio', 'quokka kite school', 'vortex media'])
    b.usedKeys.add(key);
}

/** The agreements a generated company gets: mostly one active, some an expired or cancelled one beside it. */
function agreementsFor(roll: number): Partial<CwAgreement>[] {
  const agreements: Partial<CwAgreement>[] = [{ name: roll < 0.2 ? 'Email Protection' : 'Email Security' }];
  if (roll > 0.85) agreements.push({ name: 'Managed Services', agreementStatus: 'Expired' });
  if (roll > 0.92) agreements.push({ name: 'Old Email', agreementStatus: 'Cancelled', cancelledFlag: true });
  return agreements;
}

/** A domain that tells nothing about the company unless the variant made one that does. */
function plainDomain(i: number, first: string, base: string): string {
  if (i % 2) return `${compactOf(base)}.com`;
  return `${first
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z]/g, '')}-${i}.net`;
}

/** The first bindings of easy kinds are written already, some by customer id. */
function bindIfEasy(
  b: ImportWorldBuilder,
  c: { kind: ImportCaseKind; customerId: number; mpName: string },
  company: CwCompany | undefined,
  agreement: string,
): boolean {
  if (company === undefined || !['identical', 'case', 'legal'].includes(c.kind) || b.boundSoFar >= 20) return false;
  const n = ++b.boundSoFar;
  const ref =
    n % 4 === 0
      ? String(c.customerId)
      : JSON.stringify(c.mpName.trim() === c.mpName ? c.mpName.toLowerCase() : c.mpName);
  b.bindings.push(`  - { customer: ${ref}, company: ${company.identifier}, agreement: ${agreement} }`);
  return true;
}

/** The i-th generated customer (and its company, unless missing); false when its names met earlier ones. */
function drawCustomer(b: ImportWorldBuilder, i: number): boolean {
  const kind = KINDS[i % KINDS.length]!;
  const users = b.usersFor(i);
  const { first, industry } = kind === 'diacritics' ? b.freshBase(ACCENTED) : b.freshBase();
  const tail = b.rand() < 0.4 ? b.pick(TAILS) : '';
  const { mpName, cwName, identifier, domain } = variant(kind, { first, industry, tail }, i, b.rand, b.identifierFor);
  const mpKey = normalizeName(mpName).key;
  if ((cwName && b.usedKeys.has(normalizeName(cwName).key)) || b.usedMpKeys.has(mpKey)) return false;
  b.usedMpKeys.add(mpKey);
  const telling = domain ?? plainDomain(i, first, join(first, industry, tail));
  const agreements = agreementsFor(b.rand());
  const company = cwName ? b.addCompany(cwName, { identifier, agreements }) : undefined;
  if (!cwName) b.usedKeys.add(mpKey);
  const customerId = b.addCustomer(mpName, telling, users);
  const bound = bindIfEasy(b, { kind, customerId, mpName }, company, agreements[0]!.name!);
  b.cases.push({ customerId, kind, companyId: company?.id ?? null, bound, users });
  return true;
}

export function generateImportWorld(options: { customers?: number; seed?: number } = {}): ImportWorld {
  const b = new ImportWorldBuilder(mulberry32(options.seed ?? 13));
  addTraps(b);
  const generated = (options.customers ?? 300) - b.cases.length;
  let redraws = 0;
  for (let i = 0; i < generated; ) {
    if (drawCustomer(b, i)) i++;
    // A generated name met an earlier one: draw again, keeping the kind.
    else if (++redraws > 5_000) throw new Error('generateImportWorld: the word lists ran out; ask for fewer customers');
  }
  // ConnectWise also holds vendors and prospects that are no Mailprotector customer.
  for (let n = 0; n < 60; n++) {
    const { first, industry } = b.freshBase();
    const name = join(first, industry, b.pick(TAILS), b.pick(SUFFIXES));
    if (!b.usedKeys.has(normalizeName(name).key)) b.addCompany(name);
  }
  return {
    world: { cw: b.cw, mp: b.mp },
    customersYaml: `customers:\n${b.bindings.join('\n')}\n`,
    cases: b.cases,
    traps: b.traps,
  };
}
