/**
 * Binds each resolved binding to its Mailprotector customer in the usage snapshot, by id or
 * name. A binding that matches no customer, several, or a customer another binding also
 * matched (once by id, once by name) is an error of that binding alone.
 */
import { nearest } from '../config/suggest.js';
import type { CustomerUsage, UsageSnapshot } from '../usage/types.js';
import type { ResolvedBinding } from './ports.js';
import type { BindingError } from './types.js';

export interface MatchedBinding {
  resolved: ResolvedBinding;
  usage: CustomerUsage;
}

export interface MatchResult {
  matched: MatchedBinding[];
  /** Mailprotector customers no binding names. */
  unbound: CustomerUsage[];
  errors: BindingError[];
}

export const whereOf = (b: { source: { file: string; line: number } }) => `${b.source.file}:${b.source.line}`;

function lookup(ref: string | number, usage: UsageSnapshot): CustomerUsage[] {
  if (typeof ref === 'number') return usage.customers.filter((c) => c.id === ref);
  const exact = usage.customers.filter((c) => c.name === ref);
  return exact.length > 0 ? exact : usage.customers.filter((c) => c.name.toLowerCase() === ref.toLowerCase());
}

export function matchCustomers(bindings: readonly ResolvedBinding[], usage: UsageSnapshot): MatchResult {
  const errors: BindingError[] = [];
  const byCustomer = new Map<number, ResolvedBinding[]>();
  const found = new Map<ResolvedBinding, CustomerUsage>();
  for (const resolved of bindings) {
    const ref = resolved.binding.customer;
    const base = { customer: String(ref), where: whereOf(resolved.binding) };
    const hits = lookup(ref, usage);
    if (hits.length === 1) {
      found.set(resolved, hits[0]!);
      byCustomer.set(hits[0]!.id, [...(byCustomer.get(hits[0]!.id) ?? []), resolved]);
    } else if (hits.length > 1) {
      errors.push({
        ...base,
        message: `Mailprotector customer name "${ref}" matches ${hits.length} customers (ids ${hits.map((h) => h.id).join(', ')})`,
        fix: 'bind it by id instead: customer: <id>',
      });
    } else {
      const suggestion =
        typeof ref === 'string'
          ? nearest(
              ref,
              usage.customers.map((c) => c.name),
            )
          : undefined;
      errors.push({
        ...base,
        message: `no Mailprotector customer ${typeof ref === 'number' ? `has the id ${ref}` : `is named "${ref}"`}`,
        fix: suggestion
          ? `did you mean "${suggestion}"?`
          : 'check the name in the Mailprotector console, or bind by id',
      });
    }
  }
  const matched: MatchedBinding[] = [];
  for (const [resolved, customer] of found) {
    const all = byCustomer.get(customer.id)!;
    if (all.length === 1) {
      matched.push({ resolved, usage: customer });
      continue;
    }
    // Bound twice (e.g. once by id, once by name): billing either would be a guess, billing both a double charge.
    const places = all.map((b) => `${whereOf(b.binding)} (${JSON.stringify(b.binding.customer)})`).join(' and ');
    errors.push({
      customer: String(resolved.binding.customer),
      where: whereOf(resolved.binding),
      message: `Mailprotector customer "${customer.name}" (id ${customer.id}) is bound more than once: ${places}`,
      fix: 'keep one binding for this customer and delete the other',
    });
  }
  const used = new Set(found.values());
  return { matched, unbound: usage.customers.filter((c) => !used.has(c)), errors };
}
