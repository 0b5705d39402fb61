/**
 * Desired quantities: for one bound customer, the users of its user groups per product, with
 * bundles counted once on the bundle's product and overrides applied to the customer's share.
 */
import type { Binding, Bundle, Config, Override } from '../config/types.js';
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

/** How one user group was counted: what `explain` shows. */
export interface GroupCount {
  name: string;
  users: number;
  services: string[];
  /** Each product the group's users were counted on, and for which service or bundle. */
  counted: Array<{ product: string; label: string }>;
  /** Services the group has with no entry in services.yaml (not billed). */
  unmapped: string[];
  /** Services mapped to null (Not Assigned: deliberately not billed). */
  notAssigned: string[];
}

/** What one override did to the customer's share. */
export interface OverrideEffect {
  /** The service or bundle it names. */
  target: string;
  product: string | null;
  /** "quantity 10", "minimum 5", "skip". */
  rule: string;
  /** Users counted before the override. */
  usage: number;
  /** The quantity after it; null for skip (left alone). */
  result: number | null;
}

export interface CustomerDesire {
  shares: Map<string, Share>;
  groups: GroupCount[];
  overrides: OverrideEffect[];
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

type Mapping = Pick<Config, 'services' | 'bundles'>;
type Tally = Map<string, { label: string; users: number; groups: number }>;

/**
 * Counts one user group's users on the products its services and bundles map to; how it was
 * counted (what `explain` shows) is recorded in `count` when one is given.
 */
function countGroup(
  group: CustomerUsage['userGroups'][number],
  config: Mapping,
  tally: Tally,
  unmapped: Map<string, number>,
  count?: GroupCount,
): void {
  // Canonical already: gather canonicalizes usage with the source's service catalogue.
  const services = new Set(group.services);
  const { applied, rest } = bundlesFor(services, config.bundles);
  const add = (product: string, label: string) => {
    const t = tally.get(product) ?? { label, users: 0, groups: 0 };
    t.users += group.users;
    t.groups += 1;
    tally.set(product, t);
    count?.counted.push({ product, label });
  };
  for (const b of applied) add(b.product, b.name);
  for (const s of rest) {
    // Own keys only: a service named like an Object property ("constructor") is unmapped, not a function.
    const product = Object.hasOwn(config.services, s) ? config.services[s] : undefined;
    if (product) add(product, s);
    else if (product === null) count?.notAssigned.push(s);
    else {
      if (group.users > 0) unmapped.set(s, (unmapped.get(s) ?? 0) + group.users);
      count?.unmapped.push(s);
    }
  }
}

const groupCount = (group: CustomerUsage['userGroups'][number]): GroupCount => ({
  name: group.name,
  users: group.users,
  services: [...new Set(group.services)],
  counted: [],
  unmapped: [],
  notAssigned: [],
});

const ruleOf = (o: Override) =>
  'skip' in o ? 'skip' : 'quantity' in o ? `quantity ${o.quantity}` : `minimum ${o.minimum}`;

/** What one override makes of a product's share: its result, and the share that replaces the usage's (if any). */
function overridden(target: string, override: Override, product: string, usage: number) {
  if ('skip' in override) return { result: null, share: undefined };
  if ('quantity' in override) {
    const reason = `${target}: fixed at ${override.quantity} by override (usage: ${usage})`;
    return { result: override.quantity, share: { product, label: target, quantity: override.quantity, reason } };
  }
  const result = Math.max(usage, override.minimum);
  if (usage >= override.minimum) return { result, share: undefined };
  const reason = `${target}: minimum ${override.minimum} by override (usage: ${usage})`;
  return { result, share: { product, label: target, quantity: override.minimum, reason } };
}

/** The product an override's target (a service or a bundle's name) bills; undefined when neither. */
const productOf = (config: Mapping, target: string) =>
  (Object.hasOwn(config.services, target) ? config.services[target] : undefined) ??
  config.bundles.find((b) => b.name === target)?.product;

/** Applies the binding's overrides to the shares, recording what each did. */
function applyOverrides(binding: Binding, config: Mapping, shares: Map<string, Share>) {
  const skipped = new Set<string>();
  const overrides: OverrideEffect[] = [];
  for (const [target, override] of Object.entries(binding.overrides)) {
    const product = productOf(config, target);
    if (!product) continue;
    const usage = shares.get(product)?.quantity ?? 0;
    if ('skip' in override) skipped.add(product);
    const { result, share } = overridden(target, override, product, usage);
    if (share) shares.set(product, share);
    overrides.push({ target, product, rule: ruleOf(override), usage, result });
  }
  for (const p of skipped) shares.delete(p);
  return { skipped, overrides };
}

/**
 * The customer's shares, skipped products and unmapped services; with `detail` (explain's), also
 * how each user group was counted. The plan leaves it out: at 20,000 customers it was a record
 * per user group built and dropped for every agreement planned.
 */
export function desiredFor(
  binding: Binding,
  usage: CustomerUsage,
  config: Mapping,
  { detail = true }: { detail?: boolean } = {},
): CustomerDesire {
  const tally: Tally = new Map();
  const unmapped = new Map<string, number>();
  const groups: GroupCount[] = [];
  for (const g of usage.userGroups) {
    const count = detail ? groupCount(g) : undefined;
    countGroup(g, config, tally, unmapped, count);
    if (count) groups.push(count);
  }
  const shares = new Map<string, Share>();
  for (const [product, t] of tally)
    shares.set(product, {
      product,
      label: t.label,
      quantity: t.users,
      reason: `${t.label}: ${plural(t.users, 'user')} in ${plural(t.groups, 'user group')}`,
    });
  const { skipped, overrides } = applyOverrides(binding, config, shares);
  return { shares, groups, overrides, skipped, unmapped };
}
