/** Binds each resolved binding to its Mailprotector customer in the usage snapshot, by id or name. */
import { nearest } from '../config/suggest.js';
import type { ResolvedBinding } from '../connectwise/resolve.js';
import type { CustomerUsage, UsageSnapshot } from '../usage/types.js';

export interface MatchedBinding {
  resolved: ResolvedBinding;
  usage: CustomerUsage;
}

export interface MatchResult {
  matched: MatchedBinding[];
  /** Mailprotector customers no binding names. */
  unbound: CustomerUsage[];
  failures: string[];
}

export function matchCustomers(bindings: readonly ResolvedBinding[], usage: UsageSnapshot): MatchResult {
  const matched: MatchedBinding[] = [];
  const failures: string[] = [];
  const used = new Set<number>();
  for (const resolved of bindings) {
    const ref = resolved.binding.customer;
    const at = `${resolved.binding.source.file}:${resolved.binding.source.line}`;
    let hits: CustomerUsage[];
    if (typeof ref === 'number') hits = usage.customers.filter((c) => c.id === ref);
    else {
      hits = usage.customers.filter((c) => c.name === ref);
      if (hits.length === 0) hits = usage.customers.filter((c) => c.name.toLowerCase() === ref.toLowerCase());
    }
    if (hits.length === 1) {
      matched.push({ resolved, usage: hits[0]! });
      used.add(hits[0]!.id);
    } else if (hits.length > 1) {
      failures.push(
        `${at}: Mailprotector customer name "${ref}" matches ${hits.length} customers (ids ${hits.map((h) => h.id).join(', ')}); bind it by id instead`,
      );
    } else {
      const suggestion =
        typeof ref === 'string'
          ? nearest(
              ref,
              usage.customers.map((c) => c.name),
            )
          : undefined;
      failures.push(
        `${at}: no Mailprotector customer ${typeof ref === 'number' ? `has the id ${ref}` : `is named "${ref}"`}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
      );
    }
  }
  return { matched, unbound: usage.customers.filter((c) => !used.has(c.id)), failures };
}
