/**
 * A saved plan's inputs, recorded and recomputed (SPEC §3, "a saved plan is applied only as
 * made"). The plan carries the usage per binding it counted, what each binding resolved to and
 * the catalog items it managed; with the config (the same commit, checked by digest) and the
 * lines it observed, every action can be computed again. A plan whose actions, fingerprint or
 * observed products do not follow from those inputs was edited, and is refused before any write.
 */
import { createTwoFilesPatch } from 'diff';
import type { Binding, Config } from '../config/types.js';
import { identityKey } from '../text-hygiene.js';
import type { CustomerUsage } from '../usage/types.js';
import { fingerprint } from './fingerprint.js';
import type { MatchedBinding } from './match.js';
import { whereOf } from './match.js';
import { buildPlan } from './plan.js';
import type { BilledLine, ProductRef } from './ports.js';
import type { Action, ObservedAgreement, Plan, PlanInputs, RecordedBinding } from './types.js';

/** Whether a binding's company reference names this company: its identifier (any case) or its exact name. */
export const namesCompany = (ref: string, company: { identifier: string; name: string }) =>
  ref.toLowerCase() === company.identifier.toLowerCase() || ref === company.name;

/** Whether a binding's agreement reference names this agreement: its exact name, or its id. */
export const namesAgreement = (ref: Binding['agreement'], agreement: { id: number; name: string }) =>
  typeof ref === 'string' ? ref === agreement.name : ref.id === agreement.id;

/** Whether a binding's customer reference names this customer of the usage, as matching does. */
const namesCustomer = (ref: string | number, usage: Pick<CustomerUsage, 'id' | 'name'>) =>
  typeof ref === 'number' ? usage.id === ref : usage.name === ref || identityKey(usage.name) === identityKey(ref);

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function wellFormedUsage(u: unknown): u is CustomerUsage {
  const c = u as CustomerUsage;
  return (
    typeof c === 'object' &&
    c !== null &&
    isCount(c.id) &&
    typeof c.name === 'string' &&
    Array.isArray(c.userGroups) &&
    c.userGroups.every(
      (g) =>
        typeof g?.name === 'string' &&
        isCount(g.users) &&
        Array.isArray(g.services) &&
        g.services.every((s) => typeof s === 'string'),
    )
  );
}

/** The config binding a recorded one stands for, or why there is none. */
function bindingOf(r: RecordedBinding, config: Pick<Config, 'customers'>): Binding | string {
  const same = config.customers.filter((b) => b.customer === r.customer);
  if (same.length !== 1)
    return `the plan counts customer ${JSON.stringify(r.customer)}, which no binding of the config names`;
  const b = same[0]!;
  if (!wellFormedUsage(r.usage)) return `the usage recorded for ${JSON.stringify(r.customer)} is not well formed`;
  if (!namesCustomer(b.customer, r.usage))
    return `the usage recorded for ${JSON.stringify(r.customer)} is customer "${r.usage.name}" (id ${r.usage.id}) of the usage source, which that binding does not name`;
  if (!namesCompany(b.company, r.company) || !namesAgreement(b.agreement, r.agreement))
    return `${JSON.stringify(r.customer)} is recorded on agreement ${r.agreement.id} of ${r.company.identifier}, which its binding (${whereOf(b)}) does not name`;
  return b;
}

/** The recorded bindings as the planner's matched bindings, or the reasons they cannot be. */
function matchedFrom(
  inputs: PlanInputs,
  config: Pick<Config, 'customers'>,
): { matched: MatchedBinding[]; problems: string[] } {
  const problems: string[] = [];
  const matched: MatchedBinding[] = [];
  const usedBindings = new Set<Binding>();
  const usedCustomers = new Set<number>();
  for (const r of inputs.bindings) {
    const b = bindingOf(r, config);
    if (typeof b === 'string') {
      problems.push(b);
      continue;
    }
    if (usedBindings.has(b) || usedCustomers.has(r.usage.id))
      problems.push(`the plan counts customer ${JSON.stringify(r.customer)} more than once`);
    usedBindings.add(b);
    usedCustomers.add(r.usage.id);
    matched.push({ resolved: { binding: b, company: r.company, agreement: r.agreement }, usage: r.usage });
  }
  return { matched, problems };
}

/** The products the plan managed, checked against services.yaml: nothing else may be written. */
function productsFrom(inputs: PlanInputs, config: Pick<Config, 'services' | 'bundles'>) {
  const mapped = new Set([
    ...Object.values(config.services).filter((p): p is string => typeof p === 'string'),
    ...config.bundles.map((b) => b.product),
  ]);
  const problems: string[] = [];
  const products = new Map<string, ProductRef>();
  for (const p of inputs.products) {
    if (!mapped.has(p.identifier))
      problems.push(`the plan manages product ${p.identifier}, which services.yaml does not map`);
    else if (!isCount(p.id) || products.has(p.identifier))
      problems.push(`the plan records product ${p.identifier} badly`);
    else products.set(p.identifier, { id: p.id, identifier: p.identifier, unitPrice: p.unitPrice ?? null });
  }
  const ids = [...products.values()].map((p) => p.id);
  if (new Set(ids).size !== ids.length) problems.push('the plan records two catalog identifiers with one product id');
  return { products, problems };
}

/** One line of text per action, with everything that decides what is written. */
const actionText = (a: Action) =>
  `${a.action} on agreement ${a.agreement?.id} (${a.company?.identifier} id ${a.company?.id}) product ${a.product?.identifier} (id ${a.product?.id})` +
  (a.action === 'create' ? ` quantity ${a.after}` : ` line ${a.additionId}: ${a.before} -> ${a.after}`);

const observedText = (o: ObservedAgreement) => [
  `agreement ${o.agreement} manages products ${o.products.join(', ')}`,
  ...o.additions.map(([id, product, qty]) => `agreement ${o.agreement} line ${id} product ${product} quantity ${qty}`),
];

/** Every action of a plan, held ones with their own reason back. */
export function allActions(plan: Pick<Plan, 'actions' | 'held'>): Action[] {
  return [...plan.actions, ...plan.held.map(({ actionReason, ...h }) => ({ ...h, reason: actionReason ?? h.reason }))];
}

function diffOf(label: string, saved: string[], now: string[]): string {
  const text = (lines: string[]) => `${[...lines].sort().join('\n')}\n`;
  const a = text(saved);
  const b = text(now);
  if (a === b) return '';
  return createTwoFilesPatch(`${label} in the plan`, `${label} recomputed from its inputs`, a, b, '', '', {
    context: 0,
  })
    .split('\n')
    .filter((l) => l && !l.startsWith('====='))
    .join('\n');
}

/**
 * What does not follow in a saved plan: its fingerprint against its actions, its inputs against
 * the config, its actions and observed products against a plan computed again from those inputs.
 * Empty when everything follows. Pure: no I/O.
 */
export function recomputeProblems(
  plan: Plan,
  config: Pick<Config, 'services' | 'bundles' | 'policy' | 'customers'>,
): string[] {
  const saved = allActions(plan);
  const problems: string[] = [];
  if (fingerprint(saved) !== plan.fingerprint)
    problems.push(`its fingerprint ${plan.fingerprint} is not the hash of its actions`);
  const inputs = plan.inputs;
  if (!inputs) return [...problems, 'it records no inputs to recompute its actions from'];
  const m = matchedFrom(inputs, config);
  const p = productsFrom(inputs, config);
  problems.push(...m.problems, ...p.problems);
  const lines = new Map<number, BilledLine[]>();
  for (const o of plan.observed)
    lines.set(
      o.agreement,
      o.additions.map(([id, productId, quantity]) => ({
        id,
        productId,
        quantity,
        unitPrice: null,
        cancelledDate: null,
      })),
    );
  const again = buildPlan({
    config,
    matched: m.matched,
    unbound: [],
    products: p.products,
    lines,
    errors: [],
    usage: plan.usage,
    scope: plan.scope,
    now: new Date(plan.createdAt),
    source: plan.source,
  });
  const actions = diffOf('actions', saved.map(actionText), allActions(again).map(actionText));
  if (actions) problems.push(`its actions do not follow from its inputs:\n${actions}`);
  const planned = new Set(again.observed.map((o) => o.agreement));
  const observed = diffOf(
    'observed lines',
    plan.observed.filter((o) => planned.has(o.agreement)).flatMap(observedText),
    again.observed.flatMap(observedText),
  );
  if (observed) problems.push(`what it observed does not follow from its inputs:\n${observed}`);
  return problems;
}
