/**
 * `cwsync explain CUSTOMER`: how one customer's quantities come about, from the same input and
 * plan the plan command makes (nothing derived twice): its user groups and what each was
 * counted on, bundles and Not Assigned services, its overrides and what they did, the desired
 * quantity per product, every open line of its agreement (managed or not), and what the next
 * plan would do there.
 */
import type { Binding } from '../config/types.js';
import { identityKey } from '../text-hygiene.js';
import { desiredFor, type GroupCount, type OverrideEffect, type Share } from './desired.js';
import { type MatchedBinding, whereOf } from './match.js';
import type { PlanInput } from './plan.js';
import { isOpen, NEUTRAL_NAMES } from './ports.js';
import type { Action, BindingError, Conflict, HeldAction, Plan, Ref } from './types.js';

interface ExplainedLine {
  additionId: number;
  product: string;
  description: string | null;
  quantity: number;
  unitPrice: number | null;
  managed: boolean;
  /** Set when the plan warns this line likely bills what cwsync bills too. */
  doubleBilling: string | null;
}

export interface Explanation {
  /** As written in the binding. */
  customer: string;
  where: string;
  /** The usage source, as its adapter names it ("Mailprotector"). */
  source: string;
  /** The usage source's customer the binding names, when it was found. */
  usage: { id: number; name: string } | null;
  company: Ref | null;
  agreement: { id: number; name: string } | null;
  /** The other customers bound to the same agreement (their quantities add up). */
  shared: string[];
  groups: GroupCount[];
  overrides: OverrideEffect[];
  /** This customer's desired quantity per product, after overrides. */
  shares: Share[];
  /** Products an override leaves alone on this agreement. */
  skipped: string[];
  lines: ExplainedLine[];
  next: { actions: Action[]; held: HeldAction[]; conflicts: Conflict[]; unchanged: string[] };
  errors: BindingError[];
}

const sameCustomer = (b: Binding, name: string) => identityKey(String(b.customer)) === identityKey(name.trim());

/** The agreement's open lines, each marked managed or not, with the plan's double-billing note. */
function linesOf(input: PlanInput, plan: Plan, agreementId: number, skipped: Set<string>): ExplainedLine[] {
  const byId = new Map([...input.products].map(([identifier, p]) => [p.id, identifier]));
  const managed = new Set([...input.products].filter(([id]) => !skipped.has(id)).map(([, p]) => p.id));
  const noted = new Map((plan.unmanaged ?? []).map((u) => [u.additionId, u.doubleBilling]));
  return (input.lines.get(agreementId) ?? [])
    .filter((l) => isOpen(l, input.now))
    .sort((a, b) => a.id - b.id)
    .map((l) => ({
      additionId: l.id,
      product: l.productIdentifier ?? byId.get(l.productId) ?? `product ${l.productId}`,
      description: l.description ?? null,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      managed: managed.has(l.productId),
      doubleBilling: noted.get(l.id) ?? null,
    }));
}

function nextOn(plan: Plan, agreementId: number, products: string[]): Explanation['next'] {
  const here = <T extends { agreement: { id: number } }>(list: T[]) =>
    list.filter((a) => a.agreement.id === agreementId);
  const next = { actions: here(plan.actions), held: here(plan.held), conflicts: here(plan.conflicts) };
  const touched = new Set([...next.actions, ...next.held, ...next.conflicts].map((a) => a.product.identifier));
  return { ...next, unchanged: products.filter((p) => !touched.has(p)) };
}

type Base = Pick<Explanation, 'customer' | 'where' | 'source' | 'errors'>;

/** A binding that was not planned: its errors, and what its usage would have billed when it was read. */
function unplanned(input: PlanInput, b: Binding, base: Base): Explanation {
  const usage = (input.errored ?? []).find((c) => c.id === b.customer || sameCustomer(b, c.name)) ?? null;
  const d = usage ? desiredFor(b, usage, input.config) : null;
  return {
    ...base,
    usage: usage && { id: usage.id, name: usage.name },
    company: null,
    agreement: null,
    shared: [],
    groups: d?.groups ?? [],
    overrides: d?.overrides ?? [],
    shares: d ? [...d.shares.values()] : [],
    skipped: d ? [...d.skipped] : [],
    lines: [],
    next: { actions: [], held: [], conflicts: [], unchanged: [] },
  };
}

function planned(input: PlanInput, plan: Plan, matched: MatchedBinding, base: Base): Explanation {
  const { resolved, usage } = matched;
  const d = desiredFor(resolved.binding, usage, input.config);
  const shared = input.matched
    .filter((m) => m !== matched && m.resolved.agreement.id === resolved.agreement.id)
    .map((m) => m.usage.name);
  const products = [...new Set([...d.shares.keys()])].sort();
  return {
    ...base,
    usage: { id: usage.id, name: usage.name },
    company: { id: resolved.company.id, identifier: resolved.company.identifier },
    agreement: resolved.agreement,
    shared,
    groups: d.groups,
    overrides: d.overrides,
    shares: [...d.shares.values()].sort((x, y) => x.product.localeCompare(y.product)),
    skipped: [...d.skipped],
    lines: linesOf(input, plan, resolved.agreement.id, d.skipped),
    next: nextOn(plan, resolved.agreement.id, products),
  };
}

/** Explains the binding(s) written as `customer`; throws nothing: an unplanned binding shows its errors. */
export function explainCustomer(input: PlanInput, plan: Plan, customer: string, bindings: Binding[]): Explanation[] {
  return bindings
    .filter((b) => sameCustomer(b, customer))
    .map((b) => {
      const base = {
        customer: String(b.customer),
        where: whereOf(b),
        source: (input.names ?? NEUTRAL_NAMES).usage,
        errors: plan.errors.filter((e) => e.where === whereOf(b)),
      };
      const matched = input.matched.find((m) => m.resolved.binding === b);
      return matched ? planned(input, plan, matched, base) : unplanned(input, b, base);
    });
}
