/**
 * The plan fixture of the apply and saved-plan unit tests: a billed line, and a plan built over
 * an in-memory target's lines as they stand (copies, so later writes never reach the plan), from
 * a usage file, at a clean commit.
 */
import type { Binding } from '../../src/config/types.js';
import { buildPlan, type PlanInput } from '../../src/reconcile/plan.js';
import type { BilledLine } from '../../src/reconcile/ports.js';
import type { Plan } from '../../src/reconcile/types.js';
import type { MemoryTarget } from './memory-target.js';

const contoso: Binding = {
  customer: 'Contoso',
  company: 'CONTOSO',
  agreement: 'Email',
  overrides: {},
  source: { file: 'customers.yaml', line: 3 },
};

/** Contoso bound to agreement 100 (company 10), as customers.yaml line 3 says. */
export const CONTOSO = {
  binding: contoso,
  company: { id: 10, identifier: 'CONTOSO', name: 'Contoso' },
  agreement: { id: 100, name: 'Email' },
};

export const billedLine = (id: number, productId: number, quantity: number): BilledLine => ({
  id,
  productId,
  quantity,
  unitPrice: null,
  cancelledDate: null,
});

export function planOver(
  target: MemoryTarget,
  input: Pick<PlanInput, 'config' | 'matched' | 'products' | 'now'> & Partial<Pick<PlanInput, 'source'>>,
): Plan {
  return buildPlan({
    unbound: [],
    errors: [],
    usage: { source: 'file', capturedAt: null, label: 'test' },
    scope: null,
    source: { commit: 'abc', dirty: false },
    ...input,
    lines: new Map([...target.lineStore].map(([k, v]) => [k, v.map((l) => ({ ...l }))])),
  });
}
