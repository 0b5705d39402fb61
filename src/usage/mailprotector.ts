/**
 * Usage from Mailprotector: customers of one reseller, their domains (aliases skipped), user
 * groups and services. Every answer is checked against the assumptions of
 * mailprotector-api.ts before use (a surprise is an error naming the call, never "none");
 * every list is read to its exact end (mailprotector-paging.ts); requests stay under the
 * configured rate with bounded concurrency (the shared transport).
 */

import { sharer } from '../collections.js';
import { forEachLimit } from '../concurrency.js';
import type { MailprotectorSettings } from '../config/types.js';
import { type CallRef, NotUnderstood } from '../errors.js';
import { describeAnswer } from '../http/shape.js';
import { type ErrorFacts, type HttpResponse, Transport, type TransportOptions } from '../http/transport.js';
import { type Logger, silentLogger } from '../log.js';
import { isoSeconds } from '../time.js';
import {
  EXPECTED,
  type ListKind,
  type MpCustomerRecord,
  type MpDomainRecord,
  PER_PAGE,
  pageQuery,
  parseList,
  parseServices,
  paths,
  type RecordOf,
  type ServicesForm,
} from './mailprotector-api.js';
import { readAllPages } from './mailprotector-paging.js';
import { ADDONS, canonicalService } from './mailprotector-services.js';
import {
  type CustomerUsage,
  sortSnapshotInPlace,
  type UsageReadOptions,
  type UsageSnapshot,
  type UsageSource,
} from './types.js';

function mailprotectorHint(f: ErrorFacts): string | undefined {
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
  private readonly basePath: string;
  private readonly log: Logger;
  /** Told after each answer of the read in progress. */
  private onAnswer: (() => void) | undefined;

  constructor(
    private readonly settings: MailprotectorSettings,
    private readonly apiKey: string,
    logger?: Logger,
    /** Transport settings for tests and benchmarks (backoff, timeouts, an injected clock). */
    overrides: Omit<Partial<TransportOptions>, 'service' | 'hint' | 'logger'> = {},
  ) {
    this.label = `Mailprotector reseller ${settings.reseller}`;
    this.base = settings.url.replace(/\/+$/, '');
    this.basePath = new URL(this.base).pathname;
    this.log = logger ?? silentLogger;
    this.transport = new Transport({
      service: 'Mailprotector',
      concurrency: settings.concurrency,
      requestsPerSecond: settings.requestsPerSecond,
      logger,
      hint: mailprotectorHint,
      ...overrides,
    });
  }

  get reseller(): number {
    return this.settings.reseller;
  }

  /** The call a path (with its query) stands for, for error messages. */
  call(path: string, label: string): CallRef {
    return { service: 'Mailprotector', label, method: 'GET', path: `${this.basePath}${path}` };
  }

  /** An answer of the wrong shape: what was expected, what came (by structure only) and which part is wrong. */
  private notUnderstood(path: string, label: string, res: HttpResponse, why: string, expected: string): NotUnderstood {
    return new NotUnderstood({ from: this.call(path, label), expected, got: describeAnswer(res), why });
  }

  /** One answer as it came (status, headers, parsed body): for `doctor --shapes` and the checks below. */
  async answer(path: string, label: string): Promise<HttpResponse> {
    const res = await this.transport.request({
      method: 'GET',
      url: `${this.base}${path}`,
      headers: { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' },
      label,
    });
    this.onAnswer?.();
    return res;
  }

  /** Every record of a list, each checked, read to its exact end or failing with the call named. */
  listAll<K extends ListKind>(path: string, kind: K, label: string): Promise<RecordOf<K>[]> {
    return readAllPages<RecordOf<K>>({
      call: (page, perPage) => this.call(`${path}${pageQuery(page, perPage)}`, label),
      fetch: (page, perPage) => this.answer(`${path}${pageQuery(page, perPage)}`, label),
      parse: (res, page, perPage) => {
        const records = parseList(res.body, kind);
        if (typeof records === 'string')
          throw this.notUnderstood(`${path}${pageQuery(page, perPage)}`, label, res, records, EXPECTED[kind]);
        return records;
      },
    });
  }

  /** A user group's service names as the API gave them, checked; and which of the evidenced forms it used. */
  async servicesOf(userGroupId: number, label: string): Promise<{ names: string[]; form: ServicesForm }> {
    const path = paths.services(userGroupId);
    const res = await this.answer(path, label);
    const parsed = parseServices(res.body);
    if (typeof parsed === 'string') throw this.notUnderstood(path, label, res, parsed, EXPECTED.services);
    return parsed;
  }

  async read(options: UsageReadOptions = {}): Promise<UsageSnapshot> {
    const capturedAt = isoSeconds(new Date());
    const warn = options.onWarning ?? ((message: string) => this.log.warn({ source: this.label }, message));
    const reseller = this.settings.reseller;
    const progress = { done: 0, total: 0 };
    const report = () => options.onProgress?.({ ...progress, requests: this.transport.stats.requests });
    this.onAnswer = options.onProgress ? report : undefined;
    try {
      const customers = await this.listAll(
        paths.customers(reseller),
        'customers',
        `list customers of reseller ${reseller}`,
      );
      const wanted = selectCustomers(customers, options.only);
      progress.total = wanted.length;
      const domains = await this.domainsOf(wanted, customers.length);
      const result: CustomerUsage[] = customers.map((c) => ({ id: c.id, name: c.name ?? `#${c.id}`, userGroups: [] }));
      const byId = new Map(result.map((c) => [c.id, c]));
      // A customer is read in full when its last domain is: counted down per domain.
      const pending = new Map(wanted.map((c) => [c.id, 0]));
      // A user group counts once per customer, however many of its domains list it (SPEC §3):
      // a group listed under a second domain, or an alias domain answered without `parent`
      // (which lists its parent's groups), would otherwise count its users twice. Group ids
      // are the API's own (GET /user_groups/{id}/...), so the same id is the same group.
      // Kept only while a customer's domains are being read (one set each, made at its first group).
      const claimed = new Map<number, Set<number>>();
      const claim = (customerId: number, groupId: number) => {
        const seen = claimed.get(customerId) ?? new Set<number>();
        claimed.set(customerId, seen);
        if (seen.has(groupId)) return false;
        seen.add(groupId);
        return true;
      };
      // Each distinct list of services held once (frozen: shared, so never changed in place):
      // groups mostly carry one of a few lists, and every group's list is held to the end of the run.
      const shareList = sharer<string[]>((list) => JSON.stringify(list), 1_000);
      const listOf = (names: string[]) => shareList(Object.freeze([...new Set(names)].sort()) as string[]);
      for (const d of domains) pending.set(d.customerId, (pending.get(d.customerId) ?? 0) + 1);
      progress.done = [...pending.values()].filter((n) => n === 0).length;
      report();
      // Each domain's user groups, then at once their services: no barrier between the two
      // steps, and a bounded number of domains in flight so memory stays flat at any size.
      await forEachLimit(domains, this.settings.concurrency * 2, async ({ customerId, domain }) => {
        const customer = byId.get(customerId)!;
        const where = `domain ${domain.name ?? domain.id}`;
        const listed = await this.listAll(paths.userGroups(domain.id), 'user_groups', `list user groups of ${where}`);
        const groups = listed.filter((g) => claim(customerId, g.id));
        await Promise.all(
          groups.map(async (group) => {
            const { names, form } = await this.servicesOf(
              group.id,
              `list services of user group ${group.id} (${where})`,
            );
            const services = listOf(names.map((s) => canonicalService(s) ?? s));
            // One object shows one service: the add-ons the group may carry are not in it.
            const notShown = form === 'object' ? ADDONS.filter((s) => !services.includes(s)) : [];
            const name = group.name ?? `#${group.id}`;
            if (group.user_count > 0 && services.length === 0)
              warn(
                `Mailprotector user group "${name}" (id ${group.id}) of ${customer.name}, ${where}, has ${group.user_count} users and no services, so they count towards no product; check its services in the Mailprotector console`,
              );
            customer.userGroups.push({
              name,
              users: group.user_count,
              services,
              ...(notShown.length > 0 && group.user_count > 0 ? { servicesNotShown: notShown } : {}),
            });
          }),
        );
        const left = (pending.get(customerId) ?? 1) - 1;
        pending.set(customerId, left);
        if (left === 0) {
          progress.done++;
          claimed.delete(customerId);
        }
        report();
      });
      return sortSnapshotInPlace({ formatVersion: 1, capturedAt, customers: result });
    } finally {
      this.onAnswer = undefined;
    }
  }

  /** Non-alias domains of the wanted customers, by the cheaper of two routes; of each, its id and name only. */
  private async domainsOf(
    wanted: MpCustomerRecord[],
    customerCount: number,
  ): Promise<Array<{ customerId: number; domain: DomainRef }>> {
    const wantedIds = new Set(wanted.map((c) => c.id));
    const resellerPages = Math.ceil((customerCount * 1.5) / PER_PAGE);
    if (wanted.length > resellerPages) {
      const all = await this.listAll(
        paths.resellerDomains(this.settings.reseller),
        'domains',
        `list domains of reseller ${this.settings.reseller}`,
      );
      if (all.every((d) => d.account !== undefined)) {
        return all
          .filter((d) => !d.parent && wantedIds.has(d.account!.id))
          .map((domain) => ({ customerId: domain.account!.id, domain: domainRef(domain) }));
      }
    }
    const per: Array<{ customerId: number; domain: DomainRef }> = [];
    await forEachLimit(wanted, this.settings.concurrency * 2, async (c) => {
      const list = await this.listAll(
        paths.customerDomains(c.id),
        'domains',
        `list domains of customer ${c.name ?? c.id}`,
      );
      for (const domain of list) if (!domain.parent) per.push({ customerId: c.id, domain: domainRef(domain) });
    });
    return per;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

type DomainRef = Pick<MpDomainRecord, 'id' | 'name'>;

/**
 * What the read keeps of a domain while its user groups are read: not the whole answer (every
 * field, held for the whole read: at 20,000 customers the largest part of what it held).
 */
const domainRef = (d: MpDomainRecord): DomainRef => ({ id: d.id, name: d.name });

function selectCustomers(customers: MpCustomerRecord[], only: UsageReadOptions['only']): MpCustomerRecord[] {
  if (!only) return customers;
  const ids = new Set(only.filter((o): o is number => typeof o === 'number'));
  const names = new Set(only.filter((o): o is string => typeof o === 'string').map((n) => n.toLowerCase()));
  return customers.filter((c) => ids.has(c.id) || names.has((c.name ?? '').toLowerCase()));
}
