/**
 * The reads import needs, through the existing adapters: Mailprotector customers (by the usage
 * source, user groups only where asked) and their mail domains (one reseller-wide list, when
 * the live API is the source); ConnectWise companies and agreements (the client's lists).
 * Records are checked here, at the edge: one that lacks what matching needs is an error that
 * names the call, never silently skipped.
 */
import type { Config } from '../config/types.js';
import type { ConnectWiseClient } from '../connectwise/client.js';
import type { Agreement, Company } from '../connectwise/types.js';
import { CwsyncError } from '../errors.js';
import { describeShape } from '../http/shape.js';
import type { Logger } from '../log.js';
import { MailprotectorUsageSource } from '../usage/mailprotector.js';
import { type MpDomainRecord, paths } from '../usage/mailprotector-api.js';
import type { ReadProgress, UsageSource } from '../usage/types.js';
import type { ImportAgreement, ImportCompany, ImportCustomer } from './types.js';

export interface MailprotectorSide {
  customers: ImportCustomer[];
  /** Why domains are missing, when they could not be read. */
  domainsNote?: string;
}

/**
 * Every customer of the source. `usageFor` names customers (ids) whose user groups are read
 * too, so their `users` is known; the others are listed by id and name only.
 */
export async function readCustomers(
  config: Config,
  source: UsageSource,
  options: { usageFor?: number[]; logger?: Logger; onProgress?: (p: ReadProgress) => void } = {},
): Promise<MailprotectorSide> {
  const snapshot = await source.read({ only: options.usageFor ?? [], onProgress: options.onProgress });
  const wanted = new Set(options.usageFor ?? []);
  const customers: ImportCustomer[] = snapshot.customers.map((c) => ({
    id: c.id,
    name: c.name,
    domains: [],
    ...(wanted.has(c.id) ? { users: c.userGroups.reduce((n, g) => n + g.users, 0) } : {}),
  }));
  const reseller = config.usage.mailprotector?.reseller;
  if (!(source instanceof MailprotectorUsageSource) || reseller === undefined)
    return { customers, domainsNote: 'domains not read: the usage source is a file' };
  let records: MpDomainRecord[];
  try {
    records = await source.listAll(paths.resellerDomains(reseller), 'domains', `list domains of reseller ${reseller}`);
  } catch (err) {
    // Domains only add evidence; without them names alone decide, and the file says so.
    const reason = err instanceof Error ? err.message : String(err);
    options.logger?.warn({ reason }, 'domains not read; matching by names only');
    return { customers, domainsNote: `domains not read (${reason}); matched by names only` };
  }
  return attachDomains(customers, records);
}

/** Each customer's own domains (an alias domain's parent is listed already); a list naming no customer is said so. */
function attachDomains(customers: ImportCustomer[], records: MpDomainRecord[]): MailprotectorSide {
  const byId = new Map(customers.map((c) => [c.id, c]));
  let unowned = 0;
  for (const d of records) {
    const owner = d.account ? byId.get(d.account.id) : undefined;
    if (!owner) unowned++;
    else if (!d.parent && typeof d.name === 'string') owner.domains.push(d.name);
  }
  return unowned > 0 && unowned === records.length
    ? { customers, domainsNote: 'domains not read: the reseller domain list does not name their customers' }
    : { customers };
}

function bad(call: string, record: unknown, needs: string): CwsyncError {
  return new CwsyncError(`ConnectWise ${call} returned a record without ${needs}: ${describeShape(record)}`, {
    hint: 'this ConnectWise version answers in a shape cwsync does not know; run `cwsync doctor` and report it',
  });
}

function toCompanies(records: Company[]): ImportCompany[] {
  return records.map((r) => {
    const ok = r && typeof r.id === 'number' && typeof r.identifier === 'string' && typeof r.name === 'string';
    if (!ok) throw bad('list companies', r, 'id, identifier and name');
    return { id: r.id, identifier: r.identifier, name: r.name };
  });
}

function toAgreements(records: Agreement[]): ImportAgreement[] {
  return records.map((r) => {
    const ok = r && typeof r.id === 'number' && typeof r.name === 'string' && typeof r.company?.id === 'number';
    if (!ok) throw bad('list agreements', r, 'id, name and company id');
    const type = (r as { type?: { name?: unknown } }).type?.name;
    return {
      id: r.id,
      name: r.name,
      companyId: r.company.id,
      ...(typeof type === 'string' ? { type } : {}),
      ...(typeof r.agreementStatus === 'string' ? { status: r.agreementStatus } : {}),
    };
  });
}

export async function readConnectWise(
  client: ConnectWiseClient,
): Promise<{ companies: ImportCompany[]; agreements: ImportAgreement[] }> {
  const [companies, agreements] = await Promise.all([client.companies(undefined), client.agreements(undefined)]);
  return { companies: toCompanies(companies), agreements: toAgreements(agreements) };
}
