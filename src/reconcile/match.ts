/**
 * Binds each resolved binding to its Mailprotector customer in the usage snapshot, by id or
 * name. A binding that matches no customer, several, or a customer that another binding of the
 * config also names (once by id, once by name) is an error of that binding. "Bound twice" is
 * judged over every binding of the config, whatever the run's scope or what resolved, so the
 * same customer is never billed on one agreement one night and on another the next.
 */
import { nearest } from '../config/suggest.js';
import type { Binding } from '../config/types.js';
import type { CustomerUsage, UsageSnapshot } from '../usage/types.js';
import type { ResolvedBinding } from './ports.js';
import type { BindingError } from './types.js';

export interface MatchedBinding {
  resolved: ResolvedBinding;
  usage: CustomerUsage;
}

export interface MatchResult {
  matched: MatchedBinding[];
  /** Mailprotector customers no binding of the config names. */
  unbound: CustomerUsage[];
  errors: Array<BindingError & { binding: Binding }>;
}

export const whereOf = (b: { source: { file: string; line: number } }) => `${b.source.file}:${b.source.line}`;

/** The customers by id, by exact name and by lower-cased name, built once per match (not once per binding). */
class CustomerIndex {
  private readonly byId = new Map<number, CustomerUsage[]>();
  private readonly byName = new Map<string, CustomerUsage[]>();
  private readonly byLowerName = new Map<string, CustomerUsage[]>();

  constructor(customers: readonly CustomerUsage[]) {
    for (const c of customers) {
      push(this.byId, c.id, c);
      push(this.byName, c.name, c);
      push(this.byLowerName, c.name.toLowerCase(), c);
    }
  }

  lookup(ref: string | number): CustomerUsage[] {
    if (typeof ref === 'number') return this.byId.get(ref) ?? [];
    return this.byName.get(ref) ?? this.byLowerName.get(ref.toLowerCase()) ?? [];
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

/** The Mailprotector customers these bindings name, each named by exactly one match. */
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

export function matchCustomers(
  bindings: readonly ResolvedBinding[],
  usage: UsageSnapshot,
  all: readonly Binding[] = bindings.map((b) => b.binding),
): MatchResult {
  const errors: MatchResult['errors'] = [];
  const matched: MatchedBinding[] = [];
  const index = new CustomerIndex(usage.customers);
  const twice = boundTwice(all, index);
  for (const resolved of bindings) {
    const b = resolved.binding;
    const base = { binding: b, customer: String(b.customer), where: whereOf(b) };
    const double = twice.get(b);
    if (double) {
      // Billing either would be a guess, billing both a double charge.
      errors.push({
        ...base,
        message: `Mailprotector customer "${double.customer.name}" (id ${double.customer.id}) is bound more than once: ${double.places}`,
        fix: 'keep one binding for this customer and delete the other',
      });
      continue;
    }
    const hits = index.lookup(b.customer);
    if (hits.length === 1) {
      matched.push({ resolved, usage: hits[0]! });
    } else if (hits.length > 1) {
      errors.push({
        ...base,
        message: `Mailprotector customer name "${b.customer}" matches ${hits.length} customers (ids ${hits.map((h) => h.id).join(', ')})`,
        fix: 'bind it by id instead: customer: <id>',
      });
    } else {
      const suggestion =
        typeof b.customer === 'string'
          ? nearest(
              b.customer,
              usage.customers.map((c) => c.name),
            )
          : undefined;
      errors.push({
        ...base,
        message: `no Mailprotector customer ${typeof b.customer === 'number' ? `has the id ${b.customer}` : `is named "${b.customer}"`}`,
        fix: suggestion
          ? `did you mean "${suggestion}"?`
          : 'check the name in the Mailprotector console, or bind by id',
      });
    }
  }
  const named = new Set(all.flatMap((b) => index.lookup(b.customer)));
  return { matched, unbound: usage.customers.filter((c) => !named.has(c)), errors };
}
