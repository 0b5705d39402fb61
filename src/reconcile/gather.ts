/**
 * Everything the plan needs, read before anything is written: usage and name resolution in
 * parallel, then the additions of every bound agreement. Any failure stops here.
 */
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
  const [snapshot, resolution] = await Promise.all([deps.usage.read({ only: config.customers.map((b) => b.customer) }), resolveNames(deps.cw, config.customers, products)]);
  const { matched, unbound, failures } = matchCustomers(resolution.bindings, snapshot);
  if (failures.length > 0) throw new ResolutionError(failures);
  const productIds = [...resolution.products.values()].map((p) => p.id);
  const agreementIds = [...new Set(matched.map((m) => m.resolved.agreement.id))];
  const additions = new Map<number, Addition[]>();
  // Cancelled additions are filtered by date here, not in conditions, whose server semantics for dates are unconfirmed.
  const condition = productIds.length ? inList('product/id', productIds) : undefined;
  await Promise.all(
    agreementIds.map(async (id) => {
      additions.set(id, condition ? await deps.cw.additions(id, condition) : []);
    }),
  );
  return { config, matched, unbound, products: resolution.products, additions, now: deps.now, source: deps.source };
}
