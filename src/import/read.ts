/**
 * The reads import needs, through the ports: the usage source's customers (with their mail
 * domains when the source has them; user groups only where asked) and the billing system's
 * companies and agreements.
 */
import type { Logger } from '../log.js';
import type { BillingTarget } from '../reconcile/ports.js';
import { customersOf, type ReadProgress, type SourceCustomers, type UsageSource } from '../usage/types.js';

/**
 * Every customer of the source. `usageFor` names customers (ids) whose user groups are read
 * too, so their `users` is known; the others are listed by id and name only.
 */
export async function readCustomers(
  source: UsageSource,
  options: { usageFor?: number[]; logger?: Logger; onProgress?: (p: ReadProgress) => void } = {},
): Promise<SourceCustomers> {
  const { usageFor, onProgress, logger } = options;
  if (source.customers)
    return source.customers({
      usageFor,
      onProgress,
      onWarning: (message, reason) => logger?.warn({ reason }, message),
    });
  const snapshot = await source.read({ only: usageFor ?? [], onProgress });
  return { customers: customersOf(snapshot, usageFor), domainsNote: `domains not read: ${source.label} has none` };
}

/** Every company and agreement of the billing system. */
export async function readTarget(target: BillingTarget) {
  const [companies, agreements] = await Promise.all([target.listCompanies(), target.listAgreements()]);
  return { companies, agreements };
}
