/**
 * The inputs a plan records (SPEC §5): the usage per binding it counted, what each binding
 * resolved to and the catalog items it managed, so apply --plan can compute every action again
 * (recompute.ts) instead of trusting the file.
 */
import { type MatchedBinding, whereOf } from './match.js';
import type { ProductRef } from './ports.js';
import type { PlanInputs } from './types.js';

/** The inputs of a plan about to be built, as the plan records them. */
export function recordInputs(matched: readonly MatchedBinding[], products: Map<string, ProductRef>): PlanInputs {
  return {
    bindings: matched.map((m) => ({
      customer: m.resolved.binding.customer,
      where: whereOf(m.resolved.binding),
      company: m.resolved.company,
      agreement: m.resolved.agreement,
      // Shared, not copied: nothing changes a plan's usage once read (at 20,000 customers a copy
      // of every customer's user groups was made at the very end, the run's memory peak).
      usage: m.usage,
    })),
    products: [...products].map(([identifier, p]) => ({ identifier, id: p.id, unitPrice: p.unitPrice })),
  };
}
