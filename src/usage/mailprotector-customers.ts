/**
 * Mailprotector's customers as `cwsync import` lists them: the usage read (user groups only
 * where asked) and their mail domains from one reseller-wide list.
 */
import type { MailprotectorUsageSource } from './mailprotector.js';
import { type MpDomainRecord, paths } from './mailprotector-api.js';
import { type CustomersReadOptions, customersOf, type SourceCustomer, type SourceCustomers } from './types.js';

export async function mailprotectorCustomers(
  source: MailprotectorUsageSource,
  reseller: number,
  options: CustomersReadOptions,
): Promise<SourceCustomers> {
  const snapshot = await source.read({ only: options.usageFor ?? [], onProgress: options.onProgress });
  const customers = customersOf(snapshot, options.usageFor);
  let records: MpDomainRecord[];
  try {
    records = await source.listAll(paths.resellerDomains(reseller), 'domains', `list domains of reseller ${reseller}`);
  } catch (err) {
    // Domains only add evidence; without them names alone decide, and the file says so.
    const reason = err instanceof Error ? err.message : String(err);
    options.onWarning?.('domains not read; matching by names only', reason);
    return { customers, domainsNote: `domains not read (${reason}); matched by names only` };
  }
  return attachDomains(customers, records);
}

/** Each customer's own domains (an alias domain's parent is listed already); a list naming no customer is said so. */
function attachDomains(customers: SourceCustomer[], records: MpDomainRecord[]): SourceCustomers {
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
