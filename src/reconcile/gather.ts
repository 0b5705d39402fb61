/**
 * Everything the plan needs, read before anything is written: usage and name resolution in
 * parallel, then the additions of every bound agreement. Any failure stops here.
 */

import { forEachLimit } from '../concurrency.js';
import type { Config } from '../config/types.js';
import type { ConnectWiseClient } from '../connectwise/client.js';
import { inList } from '../connectwise/conditions.js';
import { resolveNames } from '../connectwise/resolve.js';
import type { Addition } from '../connectwise/types.js';
import { ResolutionError } from '../errors.js';
import type { UsageSource } from '../usage/types.js';
import { matchCustomers } from './match.js';
import { managedProducts, type PlanInput } from './plan.js';

export interface GatherDeps {
  cw: ConnectWiseClient;
  usage: UsageSource;
  now: Date;
  source: { commit: string | null; dirty: boolean };
}

export async function gather(config: Config, deps: GatherDeps): Promise<PlanInput> {
  const products = managedProducts(config);
  // Usage is read while names resolve and additions are read: the two APIs work in parallel.
  const usage = deps.usage.read({ only: config.customers.map((b) => b.customer) });
  usage.catch(() => undefined); // observed below; avoid an unhandled rejection while ConnectWise is busy
  const resolution = await resolveNames(deps.cw, config.customers, products);
  const productIds = [...resolution.products.values()].map((p) => p.id);
  const agreementIds = [...new Set(resolution.bindings.map((b) => b.agreement.id))];
  // Cancelled additions are filtered by date in the plan, not in conditions, whose server semantics for dates are unconfirmed.
  const condition = productIds.length ? inList('product/id', productIds) : undefined;
  const additions = new Map<number, Addition[]>();
  await forEachLimit(agreementIds, config.connectwise.concurrency * 2, async (id) => {
    additions.set(id, condition ? await deps.cw.additions(id, condition) : []);
  });
  const { matched, unbound, failures } = matchCustomers(resolution.bindings, await usage);
  if (failures.length > 0) throw new ResolutionError(failures);
  return { config, matched, unbound, products: resolution.products, additions, now: deps.now, source: deps.source };
}
