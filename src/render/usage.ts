/** `cwsync usage` output: a table for people, or the snapshot file format. */
import { canonicalService } from '../config/mailprotector-services.js';
import type { UsageSnapshot } from '../usage/types.js';

export function renderUsageJson(snapshot: UsageSnapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/** Users per service per customer: the users of every user group carrying the service. */
export function usersByService(customer: UsageSnapshot['customers'][number]): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of customer.userGroups) for (const s of g.services) out.set(s, (out.get(s) ?? 0) + g.users);
  return out;
}

export function renderUsageText(snapshot: UsageSnapshot, label: string): string {
  const rows: Array<[string, string, string]> = [];
  const unknown = new Map<string, string[]>();
  let groups = 0;
  for (const c of snapshot.customers) {
    groups += c.userGroups.length;
    const services = [...usersByService(c)].sort(([a], [b]) => a.localeCompare(b));
    if (services.length === 0) rows.push([`${c.name} (${c.id})`, '-', '0']);
    services.forEach(([service, users], i) => {
      if (!canonicalService(service)) unknown.set(service, [...(unknown.get(service) ?? []), c.name]);
      rows.push([
        i === 0 ? `${c.name} (${c.id})` : '',
        canonicalService(service) ? service : `${service} (unknown)`,
        String(users),
      ]);
    });
  }
  const header: [string, string, string] = ['CUSTOMER', 'SERVICE', 'USERS'];
  const widths = [0, 1].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: [string, string, string]) =>
    `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2].padStart(5)}`.trimEnd();
  const out = [
    `${label}: ${snapshot.customers.length} customers, ${groups} user groups`,
    '',
    line(header),
    ...rows.map(line),
  ];
  for (const [service, customers] of unknown)
    out.push(
      '',
      `warning: Mailprotector reports service "${service}", which cwsync does not know (${customers.join(', ')})`,
    );
  return `${out.join('\n')}\n`;
}
