/**
 * Binds each resolved binding to its customer in the usage snapshot, by id or
 * name. A binding that matches no customer, several, or a customer that another binding of the
 * config also names (once by id, once by name) is an error of that binding. "Bound twice" is
 * judged over every binding of the config, whatever the run's scope or what resolved, so the
 * same customer is never billed on one agreement one night and on another the next.
 */
import { suggestionFor } from '../config/suggest.js';
import type { Binding } from '../config/types.js';
import { identityKey } from '../text-hygiene.js';
import type { CustomerUsage, UsageSnapshot } from '../usage/types.js';
import { NEUTRAL_NAMES, type ResolvedBinding, type SystemNames } from './ports.js';
import type { BindingError } from './types.js';

export interface MatchedBinding {
  resolved: ResolvedBinding;
  usage: CustomerUsage;
}

export interface MatchResult {
  matched: MatchedBinding[];
  /** The usage source's customers no binding of the config names. */
  unbound: CustomerUsage[];
  errors: Array<BindingError & { binding: Binding }>;
}

export const whereOf = (b: { source: { file: string; line: number } }) => `${b.source.file}:${b.source.line}`;

/**
 * The customers by id, by exact name and by identity (Unicode-normalised, ignoring case: the
 * rule validate applies too), built once per match (not once per binding).
 */
class CustomerIndex {
  private readonly byId = new Map<number, CustomerUsage[]>();
  private readonly byName = new Map<string, CustomerUsage[]>();
  private readonly byIdentity = new Map<string, CustomerUsage[]>();

  constructor(customers: readonly CustomerUsage[]) {
    for (const c of customers) {
      push(this.byId, c.id, c);
      push(this.byName, c.name, c);
      push(this.byIdentity, identityKey(c.name), c);
    }
  }

  lookup(ref: string | number): CustomerUsage[] {
    if (typeof ref === 'number') return this.byId.get(ref) ?? [];
    return this.byName.get(ref) ?? this.byIdentity.get(identityKey(ref)) ?? [];
  }
}

function push<K>(map: Map<K, CustomerUsage[]>, key: K, c: CustomerUsage): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

/** Every binding of the config that names the same customer as another one, with all its places. */
function boundTwice(
  all: readonly Binding[],
  index: CustomerIndex,
): Map<Binding, { customer: CustomerUsage; places: string }> {
  const byCustomer = new Map<CustomerUsage, Binding[]>();
  for (const b of all) {
    const hits = index.lookup(b.customer);
    if (hits.length === 1) byCustomer.set(hits[0]!, [...(byCustomer.get(hits[0]!) ?? []), b]);
  }
  const out = new Map<Binding, { customer: CustomerUsage; places: string }>();
  for (const [customer, bindings] of byCustomer) {
    if (bindings.length < 2) continue;
    const places = bindings.map((b) => `${whereOf(b)} (${JSON.stringify(b.customer)})`).join(' and ');
    for (const b of bindings) out.set(b, { customer, places });
  }
  return out;
}

/** The usage source's customers these bindings name, each named by exactly one match. */
export function customersOf(bindings: readonly Binding[], usage: UsageSnapshot): CustomerUsage[] {
  const index = new CustomerIndex(usage.customers);
  return [
    ...new Set(
      bindings.flatMap((b) => {
        const hits = index.lookup(b.customer);
        return hits.length === 1 ? hits : [];
      }),
    ),
  ];
}

type MatchError = BindingError & { binding: Binding };

/** The one customer a binding names, or why it names none (or one that another binding names too). */
function matchOne(
  resolved: ResolvedBinding,
  index: CustomerIndex,
  twice: ReturnType<typeof boundTwice>,
  usage: UsageSnapshot,
  names: SystemNames,
): MatchedBinding | MatchError {
  const b = resolved.binding;
  const base = { binding: b, customer: String(b.customer), where: whereOf(b) };
  const double = twice.get(b);
  // Billing either would be a guess, billing both a double charge.
  if (double)
    return {
      ...base,
      message: `customer "${double.customer.name}" (id ${double.customer.id}) in ${names.usage} is bound more than once: ${double.places}`,
      fix: 'keep one binding for this customer and delete the other',
    };
  const hits = index.lookup(b.customer);
  if (hits.length === 1) {
    // Each count is exact, but their sum may not be: 2^53 + 1 users would be billed as 2^53.
    const total = hits[0]!.userGroups.reduce((n, g) => n + g.users, 0);
    if (!Number.isSafeInteger(total))
      return {
        ...base,
        message: `the user counts of customer "${hits[0]!.name}" (id ${hits[0]!.id}) in ${names.usage} add up beyond 2^53 - 1 (${Number.MAX_SAFE_INTEGER}), which no quantity can carry exactly`,
        fix: `check the user groups' counts in ${names.usage}: a count this large is broken`,
      };
    return { resolved, usage: hits[0]! };
  }
  if (hits.length > 1)
    return {
      ...base,
      message: `customer name "${b.customer}" matches ${hits.length} customers in ${names.usage} (ids ${hits.map((h) => h.id).join(', ')})`,
      fix: 'bind it by id instead: customer: <id>',
    };
  const suggestion =
    typeof b.customer === 'string'
      ? suggestionFor(
          b.customer,
          usage.customers.map((c) => c.name),
        )
      : undefined;
  return {
    ...base,
    message: `no customer in ${names.usage} ${typeof b.customer === 'number' ? `has the id ${b.customer}` : `is named "${b.customer}"`}`,
    fix: suggestion ?? `check the name in ${names.usage}, or bind by id`,
  };
}

export function matchCustomers(
  bindings: readonly ResolvedBinding[],
  usage: UsageSnapshot,
  all: readonly Binding[] = bindings.map((b) => b.binding),
  names: SystemNames = NEUTRAL_NAMES,
): MatchResult {
  const errors: MatchResult['errors'] = [];
  const matched: MatchedBinding[] = [];
  const index = new CustomerIndex(usage.customers);
  const twice = boundTwice(all, index);
  for (const resolved of bindings) {
    const m = matchOne(resolved, index, twice, usage, names);
    if ('resolved' in m) matched.push(m);
    else errors.push(m);
  }
  const named = new Set(all.flatMap((b) => index.lookup(b.customer)));
  return { matched, unbound: usage.customers.filter((c) => !named.has(c)), errors };
}
