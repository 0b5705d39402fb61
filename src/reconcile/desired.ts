/**
 * Desired quantities: for one bound customer, the users of its user groups per product, with
 * bundles counted once on the bundle's product and overrides applied to the customer's share.
 */
import { canonicalService } from '../config/mailprotector-services.js';
import type { Binding, Bundle, Config } from '../config/types.js';
import type { CustomerUsage } from '../usage/types.js';

export interface Share {
  /** The catalog identifier as written in services.yaml. */
  product: string;
  /** The service or bundle name it is counted for. */
  label: string;
  quantity: number;
  /** Human words for the plan's reason, e.g. "CloudFilter: 12 users in 2 user groups". */
  reason: string;
}

export interface CustomerDesire {
  shares: Map<string, Share>;
  /** Products this binding says to leave alone. */
  skipped: Set<string>;
  /** Service name (as reported) -> users, for services with no entry in services.yaml. */
  unmapped: Map<string, number>;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Which bundles apply to a user group's services, in config order; each service counts once. */
function bundlesFor(services: Set<string>, bundles: Bundle[]): { applied: Bundle[]; rest: Set<string> } {
  const rest = new Set(services);
  const applied: Bundle[] = [];
  for (const b of bundles) {
    if (b.services.every((s) => rest.has(s))) {
      applied.push(b);
      for (const s of b.services) rest.delete(s);
    }
  }
  return { applied, rest };
}

export function desiredFor(
  binding: Binding,
  usage: CustomerUsage,
  config: Pick<Config, 'services' | 'bundles'>,
): CustomerDesire {
  const tally = new Map<string, { label: string; users: number; groups: number }>();
  const unmapped = new Map<string, number>();
  const add = (product: string, label: string, users: number) => {
    const t = tally.get(product) ?? { label, users: 0, groups: 0 };
    t.users += users;
    t.groups += 1;
    tally.set(product, t);
  };
  for (const group of usage.userGroups) {
    const services = new Set(group.services.map((s) => canonicalService(s) ?? s));
    const { applied, rest } = bundlesFor(services, config.bundles);
    for (const b of applied) add(b.product, b.name, group.users);
    for (const s of rest) {
      if (!(s in config.services)) {
        if (group.users > 0) unmapped.set(s, (unmapped.get(s) ?? 0) + group.users);
        continue;
      }
      const product = config.services[s];
      if (product) add(product, s, group.users);
    }
  }

  const shares = new Map<string, Share>();
  for (const [product, t] of tally)
    shares.set(product, {
      product,
      label: t.label,
      quantity: t.users,
      reason: `${t.label}: ${plural(t.users, 'user')} in ${plural(t.groups, 'user group')}`,
    });

  const skipped = new Set<string>();
  for (const [target, override] of Object.entries(binding.overrides)) {
    const product = config.services[target] ?? config.bundles.find((b) => b.name === target)?.product;
    if (!product) continue;
    const current = shares.get(product) ?? { product, label: target, quantity: 0, reason: `${target}: no users` };
    if ('skip' in override) skipped.add(product);
    else if ('quantity' in override)
      shares.set(product, {
        product,
        label: target,
        quantity: override.quantity,
        reason: `${target}: fixed at ${override.quantity} by override (usage: ${current.quantity})`,
      });
    else if (current.quantity < override.minimum)
      shares.set(product, {
        product,
        label: target,
        quantity: override.minimum,
        reason: `${target}: minimum ${override.minimum} by override (usage: ${current.quantity})`,
      });
  }
  for (const p of skipped) shares.delete(p);
  return { shares, skipped, unmapped };
}
