/**
 * Usage from Mailprotector: customers of one reseller, their domains (aliases skipped), user
 * groups and services. Every list is paged to the end; requests stay under the configured
 * rate with bounded concurrency (the shared transport); API names map to canonical ones.
 */

import { forEachLimit } from '../concurrency.js';
import { canonicalService } from '../config/mailprotector-services.js';
import type { MailprotectorSettings } from '../config/types.js';
import { type ErrorFacts, Transport } from '../http/transport.js';
import type { Logger } from '../log.js';
import {
  hasNextPage,
  lastPage,
  type MpCustomerRecord,
  type MpDomainRecord,
  type MpUserGroupRecord,
  paths,
  recordsOf,
  serviceNamesOf,
} from './mailprotector-api.js';
import {
  type CustomerUsage,
  sortSnapshot,
  type UsageReadOptions,
  type UsageSnapshot,
  type UsageSource,
} from './types.js';

const TYPICAL_PAGE = 50;

export function mailprotectorHint(f: ErrorFacts): string | undefined {
  if (f.status === 0) return 'check that usage.mailprotector.url is reachable from this machine';
  if (f.status === 401)
    return 'check the API key usage.mailprotector.apiKey refers to (Console > your profile > View API Key)';
  if (f.status === 403)
    return "the API key's manager role cannot see this reseller: check usage.mailprotector.reseller and the key's role";
  if (f.status === 404)
    return 'check usage.mailprotector.reseller (the reseller account id) and the url (it should end in /api/v1)';
  if (f.status === 429) return 'Mailprotector is throttling: lower usage.mailprotector.requestsPerSecond';
  return undefined;
}

export class MailprotectorUsageSource implements UsageSource {
  readonly label: string;
  readonly transport: Transport;
  private readonly base: string;

  constructor(
    private readonly settings: MailprotectorSettings,
    private readonly apiKey: string,
    logger?: Logger,
    overrides: { baseDelayMs?: number; timeoutMs?: number } = {},
  ) {
    this.label = `Mailprotector reseller ${settings.reseller}`;
    this.base = settings.url.replace(/\/+$/, '');
    this.transport = new Transport({
      service: 'Mailprotector',
      concurrency: settings.concurrency,
      requestsPerSecond: settings.requestsPerSecond,
      logger,
      hint: mailprotectorHint,
      ...overrides,
    });
  }

  private get(path: string, label: string) {
    return this.transport.request({
      method: 'GET',
      url: `${this.base}${path}`,
      headers: { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' },
      label,
    });
  }

  /** Every record of a list: the rest of the pages in parallel when the first names the last, else page by page to the end. */
  async listAll<T>(path: string, resource: string, label: string): Promise<T[]> {
    const first = await this.get(`${path}?page=1`, label);
    const out = recordsOf<T>(first.body, resource);
    const last = lastPage(first);
    if (last !== undefined) {
      const rest = await Promise.all(
        Array.from({ length: Math.max(0, last - 1) }, (_, i) => this.get(`${path}?page=${i + 2}`, label)),
      );
      for (const res of rest) out.push(...recordsOf<T>(res.body, resource));
      return out;
    }
    if (hasNextPage(first, 1) === false || out.length === 0) return out;
    for (let page = 2; ; page++) {
      const res = await this.get(`${path}?page=${page}`, label);
      const records = recordsOf<T>(res.body, resource);
      out.push(...records);
      if (hasNextPage(res, page) === false || records.length === 0) return out;
    }
  }

  async read(options: UsageReadOptions = {}): Promise<UsageSnapshot> {
    const reseller = this.settings.reseller;
    const customers = await this.listAll<MpCustomerRecord>(
      paths.customers(reseller),
      'customers',
      `list customers of reseller ${reseller}`,
    );
    const wanted = selectCustomers(customers, options.only);
    const domains = await this.domainsOf(wanted, customers.length);
    const result: CustomerUsage[] = customers.map((c) => ({ id: c.id, name: c.name ?? `#${c.id}`, userGroups: [] }));
    const byId = new Map(result.map((c) => [c.id, c]));
    // Each domain's user groups, then at once their services: no barrier between the two
    // steps, and a bounded number of domains in flight so memory stays flat at any size.
    await forEachLimit(domains, this.settings.concurrency * 2, async ({ customerId, domain }) => {
      const list = await this.listAll<MpUserGroupRecord>(
        paths.userGroups(domain.id),
        'user_groups',
        `list user groups of domain ${domain.name ?? domain.id}`,
      );
      await Promise.all(
        list.map(async (group) => {
          const res = await this.get(paths.services(group.id), `list services of user group ${group.id}`);
          const services = [...new Set(serviceNamesOf(res.body).map((s) => canonicalService(s) ?? s))];
          byId.get(customerId)?.userGroups.push({
            name: group.name ?? `#${group.id}`,
            users: Math.max(0, Math.floor(Number(group.user_count ?? 0))),
            services,
          });
        }),
      );
    });
    return sortSnapshot({ formatVersion: 1, customers: result });
  }

  /** Non-alias domains of the wanted customers, by the cheaper of two routes. */
  private async domainsOf(
    wanted: MpCustomerRecord[],
    customerCount: number,
  ): Promise<Array<{ customerId: number; domain: MpDomainRecord }>> {
    const wantedIds = new Set(wanted.map((c) => c.id));
    const resellerPages = Math.ceil((customerCount * 1.5) / TYPICAL_PAGE);
    if (wanted.length > resellerPages) {
      const all = await this.listAll<MpDomainRecord>(
        paths.resellerDomains(this.settings.reseller),
        'domains',
        `list domains of reseller ${this.settings.reseller}`,
      );
      if (all.every((d) => d.account && typeof d.account.id === 'number')) {
        return all
          .filter((d) => !d.parent && wantedIds.has(d.account!.id))
          .map((domain) => ({ customerId: domain.account!.id, domain }));
      }
    }
    const per: Array<{ customerId: number; domain: MpDomainRecord }> = [];
    await forEachLimit(wanted, this.settings.concurrency * 2, async (c) => {
      const list = await this.listAll<MpDomainRecord>(
        paths.customerDomains(c.id),
        'domains',
        `list domains of customer ${c.name ?? c.id}`,
      );
      for (const domain of list) if (!domain.parent) per.push({ customerId: c.id, domain });
    });
    return per;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function selectCustomers(customers: MpCustomerRecord[], only: UsageReadOptions['only']): MpCustomerRecord[] {
  if (!only) return customers;
  const ids = new Set(only.filter((o): o is number => typeof o === 'number'));
  const names = new Set(only.filter((o): o is string => typeof o === 'string').map((n) => n.toLowerCase()));
  return customers.filter((c) => ids.has(c.id) || names.has((c.name ?? '').toLowerCase()));
}
