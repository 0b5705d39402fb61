/** `cwsync usage` output: a table for people, or the snapshot file format. */
import type { Bundle } from '../config/types.js';
import { escapeDeep, escapeJsonText } from '../text-hygiene.js';
import type { ServiceCatalogue, UsageSnapshot } from '../usage/types.js';

export function renderUsageJson(snapshot: UsageSnapshot): string {
  return `${escapeJsonText(JSON.stringify(snapshot, null, 2))}\n`;
}

/** Users per service per customer: the users of every user group carrying the service. */
function usersByService(customer: UsageSnapshot['customers'][number]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of customer.userGroups) for (const s of g.services) out.set(s, (out.get(s) ?? 0) + g.users);
  return out;
}

/** Where services.yaml stands on a service seen in usage. */
type ServiceStatus =
  | { kind: 'mapped'; product: string }
  | { kind: 'not-assigned' }
  | { kind: 'bundle-only'; bundles: string[] }
  | { kind: 'unmapped' }
  | { kind: 'unknown' };

/** services.yaml's mapping, and the usage source's service names it is read against. */
interface Mapping {
  services: Record<string, string | null>;
  bundles?: readonly Bundle[];
  catalogue: ServiceCatalogue;
}

export interface ServiceTotal {
  /** The canonical name, or the name as the usage source reported it when cwsync does not know it. */
  service: string;
  /** Users of every user group carrying it, over all customers. */
  users: number;
  customers: number;
  status: ServiceStatus;
}

/**
 * Every service seen in a snapshot, with its totals and what services.yaml says of it: the
 * facts to write services.yaml from (also used by `doctor`). Pure.
 */
export function serviceTotals(snapshot: UsageSnapshot, mapping: Mapping): ServiceTotal[] {
  const totals = new Map<string, { users: number; customers: number }>();
  for (const c of snapshot.customers)
    for (const [service, users] of usersByService(c)) {
      const t = totals.get(service) ?? { users: 0, customers: 0 };
      t.users += users;
      t.customers++;
      totals.set(service, t);
    }
  return [...totals]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, t]) => ({ service, ...t, status: statusOf(service, mapping) }));
}

function statusOf(service: string, { services, bundles = [], catalogue }: Mapping): ServiceStatus {
  if (catalogue.canonical(service) !== service) return { kind: 'unknown' };
  if (Object.hasOwn(services, service)) {
    const product = services[service];
    return product === null || product === undefined ? { kind: 'not-assigned' } : { kind: 'mapped', product };
  }
  const inBundles = bundles.filter((b) => b.services.includes(service)).map((b) => b.name);
  return inBundles.length > 0 ? { kind: 'bundle-only', bundles: inBundles } : { kind: 'unmapped' };
}

const STATUS_TEXT: { [K in ServiceStatus['kind']]: (s: Extract<ServiceStatus, { kind: K }>) => string } = {
  mapped: (s) => s.product,
  'not-assigned': () => 'null (Not Assigned)',
  'bundle-only': (s) => `only in bundle ${s.bundles.join(', ')}`,
  unmapped: () => 'NOT MAPPED: add it to services.yaml (a product, or null for Not Assigned)',
  unknown: () => 'UNKNOWN to cwsync: report it; it cannot be mapped yet',
};

/** The services table: SERVICE, USERS, CUSTOMERS and what services.yaml says. */
export function renderServiceTotals(rows: readonly ServiceTotal[]): string[] {
  if (rows.length === 0) return ['No services seen.'];
  const table: Array<[string, string, string, string]> = rows.map((r) => [
    r.service,
    String(r.users),
    String(r.customers),
    (STATUS_TEXT[r.status.kind] as (s: ServiceStatus) => string)(r.status),
  ]);
  const header: [string, string, string, string] = ['SERVICE', 'USERS', 'CUSTOMERS', 'SERVICES.YAML'];
  const w = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...table.map((r) => r[i]!.length)));
  const line = (r: [string, string, string, string]) =>
    `${r[0].padEnd(w[0]!)}  ${r[1].padStart(w[1]!)}  ${r[2].padStart(w[2]!)}  ${r[3]}`.trimEnd();
  return [line(header), ...table.map(line)];
}

export interface UsageTextContext extends Mapping {
  /** Warnings the source raised while reading. */
  warnings?: readonly string[];
}

/** `catalogue`: the usage source's service names (a name it does not know is shown as unknown). */
export function renderUsageText(
  raw: UsageSnapshot,
  label: string,
  catalogue: ServiceCatalogue,
  context?: Omit<UsageTextContext, 'catalogue'>,
): string {
  const snapshot = escapeDeep(raw);
  const rows: Array<[string, string, string]> = [];
  const unknown = new Map<string, string[]>();
  let groups = 0;
  for (const c of snapshot.customers) {
    groups += c.userGroups.length;
    const services = [...usersByService(c)].sort(([a], [b]) => a.localeCompare(b));
    if (services.length === 0) rows.push([`${c.name} (${c.id})`, '-', '0']);
    services.forEach(([service, users], i) => {
      if (!catalogue.canonical(service)) unknown.set(service, [...(unknown.get(service) ?? []), c.name]);
      rows.push([
        i === 0 ? `${c.name} (${c.id})` : '',
        catalogue.canonical(service) ? service : `${service} (unknown)`,
        String(users),
      ]);
    });
  }
  const header: [string, string, string] = ['CUSTOMER', 'SERVICE', 'USERS'];
  const widths = [0, 1].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: [string, string, string]) =>
    `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padStart(5)}`.trimEnd();
  const out = [
    `${label}: ${snapshot.customers.length} customers, ${groups} user groups${snapshot.capturedAt ? `, read ${snapshot.capturedAt}` : ''}`,
    '',
    line(header),
    ...rows.map(line),
  ];
  if (context) out.push('', ...renderServiceTotals(serviceTotals(snapshot, { ...context, catalogue })));
  for (const [service, customers] of unknown)
    out.push(
      '',
      `warning: ${catalogue.vendor} reports service "${service}", which cwsync does not know (${customers.join(', ')})`,
    );
  const hidden = notShownWarning(snapshot, catalogue.vendor);
  if (hidden) out.push('', hidden);
  for (const w of context?.warnings ?? []) out.push('', `warning: ${w}`);
  return `${out.join('\n')}\n`;
}

/** User groups whose services the source could not show in full (SPEC §3): one line naming the services and customers. */
function notShownWarning(snapshot: UsageSnapshot, vendor: string): string | undefined {
  const customers = snapshot.customers.filter((c) => c.userGroups.some((g) => g.servicesNotShown?.length));
  if (customers.length === 0) return undefined;
  const groups = customers.flatMap((c) => c.userGroups.filter((g) => g.servicesNotShown?.length));
  const services = [...new Set(groups.flatMap((g) => g.servicesNotShown!))].sort();
  const names = customers.slice(0, 5).map((c) => c.name);
  if (customers.length > 5) names.push(`${customers.length - 5} more`);
  return `warning: ${vendor} answered the services of ${groups.length} user group${groups.length === 1 ? '' : 's'} as one object, which shows one service: ${services.join(', ')} they may carry cannot be seen and may go unbilled (${names.join(', ')}); cwsync plan warns per customer and makes a binding that bills them an error`;
}
