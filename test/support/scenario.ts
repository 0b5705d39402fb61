/**
 * A generated, deterministic world for scale tests and benchmarks: N customers, each with a
 * domain and a domain alias, user groups carrying services, and a ConnectWise company,
 * agreement and additions that mostly match, with some drift, some missing additions.
 */
import { emptyCwWorld, emptyMpWorld, type World } from '../../src/sandbox/world.js';

export interface ScenarioParams {
  customers: number;
  userGroupsPerCustomer: number;
  /** Mapped services, from this list in order. */
  services: number;
  /** Share of additions whose quantity is off, 0..1. */
  drift: number;
  /** Share of additions missing, 0..1. */
  missing: number;
  seed: number;
}

const SCENARIO_SERVICES: Array<{ name: string; apiName: string; product: string }> = [
  { name: 'CloudFilter', apiName: 'CloudFilter Email Security', product: 'MP-CLOUDFILTER' },
  { name: 'SafeSend', apiName: 'SafeSend Outbound', product: 'MP-SAFESEND' },
  { name: 'Bracket', apiName: 'Bracket', product: 'MP-BRACKET' },
  { name: 'XtraMail', apiName: 'XtraMail', product: 'MP-XTRAMAIL' },
  { name: 'CloudMail', apiName: 'CloudMail', product: 'MP-CLOUDMAIL' },
  { name: 'SecureStore', apiName: 'SecureStore', product: 'MP-SECURESTORE' },
];

export const DEFAULT_SCENARIO: ScenarioParams = {
  customers: 2000,
  userGroupsPerCustomer: 3,
  services: 5,
  drift: 0.1,
  missing: 0.02,
  seed: 42,
};

/** A small seeded PRNG: generated worlds are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Scenario {
  world: World;
  servicesYaml: string;
  customersYaml: string;
}

type Service = (typeof SCENARIO_SERVICES)[number];

/** One customer's Mailprotector side (a domain, its alias, user groups with services); returns users per product. */
function addUsage(
  mp: World['mp'],
  i: number,
  services: Service[],
  params: ScenarioParams,
  next: { id: () => number; rand: () => number },
): Map<string, number> {
  const customerId = 10_000 + i;
  const name = `Customer ${String(i).padStart(5, '0')}`;
  mp.customers.push({ id: customerId, name, resellerId: mp.resellerId });
  const domainId = next.id();
  mp.domains.push({ id: domainId, name: `customer${i}.example`, customerId, parentId: null });
  mp.domains.push({ id: next.id(), name: `customer${i}.example.net`, customerId, parentId: domainId });
  const users = new Map<string, number>();
  for (let g = 1; g <= params.userGroupsPerCustomer; g++) {
    const groupId = next.id();
    const count = 1 + Math.floor(next.rand() * 60);
    mp.userGroups.push({ id: groupId, name: `Group ${g}`, domainId, userCount: count });
    // The first group carries every service; later ones only some.
    const carried = services.filter(() => g === 1 || next.rand() >= 0.4);
    for (const s of carried) {
      mp.services.push({ id: next.id(), userGroupId: groupId, serviceType: s.apiName });
      users.set(s.product, (users.get(s.product) ?? 0) + count);
    }
  }
  return users;
}

/** One customer's ConnectWise side: a company, its agreement, and additions that mostly match the usage. */
function addBilling(
  cw: World['cw'],
  i: number,
  users: Map<string, number>,
  params: ScenarioParams,
  rand: () => number,
) {
  cw.companies.push({
    id: i,
    identifier: `CUST${String(i).padStart(5, '0')}`,
    name: `Customer ${String(i).padStart(5, '0')} Inc`,
    deletedFlag: false,
  });
  const agreementId = 100_000 + i;
  cw.agreements.push({
    id: agreementId,
    name: 'Email Security',
    companyId: i,
    agreementStatus: 'Active',
    cancelledFlag: false,
  });
  for (const [product, quantity] of users) {
    const item = cw.catalog.find((c) => c.identifier === product)!;
    const r = rand();
    if (r < params.missing) continue;
    const drifted = r < params.missing + params.drift;
    cw.additions.push({
      id: cw.nextId++,
      agreementId,
      productId: item.id,
      quantity: drifted ? quantity + 1 + Math.floor(rand() * 3) : quantity,
      unitPrice: item.price,
      unitCost: item.cost,
      billCustomer: 'Billable',
      effectiveDate: '2026-01-01T00:00:00Z',
      cancelledDate: null,
      description: item.description,
    });
  }
}

export function generateScenario(params: ScenarioParams): Scenario {
  const rand = mulberry32(params.seed);
  const services = SCENARIO_SERVICES.slice(0, params.services);
  const cw = emptyCwWorld();
  const mp = emptyMpWorld();
  for (const [i, s] of services.entries()) {
    cw.catalog.push({
      id: 700 + i,
      identifier: s.product,
      description: s.name,
      inactiveFlag: false,
      price: 2 + i,
      cost: 1 + i / 2,
    });
  }
  let ids = 1;
  const next = { id: () => ids++, rand };
  const bindings: string[] = [];
  for (let i = 1; i <= params.customers; i++) {
    const users = addUsage(mp, i, services, params, next);
    addBilling(cw, i, users, params, rand);
    const name = `Customer ${String(i).padStart(5, '0')}`;
    bindings.push(`  - { customer: "${name}", company: CUST${String(i).padStart(5, '0')}, agreement: Email Security }`);
  }
  const servicesYaml = `services:\n${services.map((s) => `  ${s.name}: ${s.product}`).join('\n')}\n`;
  return { world: { cw, mp }, servicesYaml, customersYaml: `customers:\n${bindings.join('\n')}\n` };
}

export interface ScenarioConfigOptions {
  cwUrl: string;
  mpUrl: string;
  concurrency: number;
  /** Omitted: Mailprotector's default rate cap applies. */
  requestsPerSecond?: number;
}

/** Writes a config directory for a scenario: customers split in files of 2,000 bindings. */
export function scenarioConfigFiles(scenario: Scenario, o: ScenarioConfigOptions): Record<string, string> {
  const files: Record<string, string> = {
    'cwsync.yaml': [
      'connectwise:',
      `  url: ${o.cwUrl}`,
      '  company: acme',
      '  publicKey: { env: CW_PUBLIC_KEY }',
      '  privateKey: { env: CW_PRIVATE_KEY }',
      '  clientId: { env: CW_CLIENT_ID }',
      `  concurrency: ${o.concurrency}`,
      'usage:',
      '  mailprotector:',
      `    url: ${o.mpUrl}`,
      '    apiKey: { env: MP_API_KEY }',
      '    reseller: 343',
      ...(o.requestsPerSecond === undefined ? [] : [`    requestsPerSecond: ${o.requestsPerSecond}`]),
      `    concurrency: ${o.concurrency}`,
      '',
    ].join('\n'),
    'services.yaml': scenario.servicesYaml,
  };
  const lines = scenario.customersYaml.split('\n').slice(1).filter(Boolean);
  for (let i = 0; i * 2000 < lines.length; i++)
    files[`customers/part-${String(i + 1).padStart(3, '0')}.yaml`] =
      `customers:\n${lines.slice(i * 2000, (i + 1) * 2000).join('\n')}\n`;
  return files;
}
