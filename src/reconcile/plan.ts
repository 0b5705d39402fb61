/**
 * The plan as a pure function: config + usage + current lines in, actions out. No I/O, no
 * clock (the caller passes `now`), a stable order. Errors of single bindings come in with the
 * input and are carried through; held actions and the plan-wide safety check are decided here,
 * so every consumer (renderers, apply) sees the same verdict.
 */
import { sharer } from '../collections.js';
import type { Config } from '../config/types.js';
import { isoSeconds } from '../time.js';
import type { CustomerUsage, ServiceCatalogue } from '../usage/types.js';
import { desiredFor } from './desired.js';
import { fingerprint } from './fingerprint.js';
import { recordInputs } from './inputs.js';
import type { MatchedBinding } from './match.js';
import { type BilledLine, isOpen, NEUTRAL_NAMES, type ProductRef, type SystemNames } from './ports.js';
import { checkSafety, holdReason } from './safety.js';
import type {
  Action,
  BindingError,
  Conflict,
  HeldAction,
  NotBilled,
  ObservedAgreement,
  Plan,
  UsageProvenance,
  Warning,
} from './types.js';
import { type AgreementView, unmanagedOfChanged } from './unmanaged.js';

export interface PlanInput {
  config: Pick<Config, 'services' | 'bundles' | 'policy'>;
  matched: MatchedBinding[];
  unbound: CustomerUsage[];
  products: Map<string, ProductRef>;
  /** Lines read per agreement id. */
  lines: Map<number, BilledLine[]>;
  errors: BindingError[];
  /** The usage of customers whose binding has an error: not planned this run, shown as not billed. */
  errored?: CustomerUsage[];
  /** What the usage source warned about while reading (e.g. a user group with users and no services). */
  sourceWarnings?: Warning[];
  /**
   * The usage source's service names, to tell an unknown or deprecated service from one merely
   * not mapped; without it (a saved plan recomputed) every unmapped service is only unmapped.
   */
  services?: ServiceCatalogue;
  /** The adapters' names, for messages; "the billing system" and "the usage source" without them. */
  names?: SystemNames;
  usage: UsageProvenance;
  scope: Plan['scope'];
  now: Date;
  source: Plan['source'];
}

/** The catalog identifiers cwsync manages: every mapped service and every bundle. */
export function managedProducts(config: Pick<Config, 'services' | 'bundles'>): string[] {
  const all = [
    ...Object.values(config.services).filter((p): p is string => typeof p === 'string'),
    ...config.bundles.map((b) => b.product),
  ];
  return [...new Set(all)];
}

function byAgreement(matched: MatchedBinding[]): Map<number, MatchedBinding[]> {
  const groups = new Map<number, MatchedBinding[]>();
  for (const m of matched) {
    const members = groups.get(m.resolved.agreement.id);
    if (members) members.push(m);
    else groups.set(m.resolved.agreement.id, [m]);
  }
  return groups;
}

const cents = (n: number) => Math.round(n * 100) / 100;

function priced(a: Omit<Action, 'unitPrice' | 'priceChange'>, unitPrice: number | null): Action {
  const priceChange = unitPrice === null ? null : cents((a.after - (a.before ?? 0)) * unitPrice);
  return { ...a, unitPrice, priceChange };
}

interface Tally {
  actions: Action[];
  conflicts: Conflict[];
  warnings: Warning[];
  observed: ObservedAgreement[];
  /** Every agreement with an action, for the lines cwsync does not manage beside its changes. */
  views: AgreementView[];
  /** Per unmapped service: the users of each customer using it. */
  unmapped: Map<string, Map<CustomerUsage, number>>;
  /** Each distinct list of managed product ids, once: most agreements manage the same products. */
  shareProducts: (ids: number[]) => number[];
  unchanged: number;
  managed: number;
}

type Desires = Array<{ name: string; d: ReturnType<typeof desiredFor> }>;

/** Adds each customer's unmapped services to the plan-wide tally. */
function tallyUnmapped(members: MatchedBinding[], desires: Desires, t: Tally): void {
  for (const [i, { d }] of desires.entries()) {
    for (const [service, users] of d.unmapped) {
      const u = t.unmapped.get(service) ?? new Map<CustomerUsage, number>();
      u.set(members[i]!.usage, (u.get(members[i]!.usage) ?? 0) + users);
      t.unmapped.set(service, u);
    }
  }
}

/** One agreement, as each of its products is planned. */
interface AgreementContext {
  input: PlanInput;
  members: MatchedBinding[];
  desires: Desires;
  customer: string;
  company: { id: number; identifier: string };
  agreement: { id: number; name: string };
  /** The open lines of its managed products. */
  open: BilledLine[];
  billed: Array<{ label: string; product: string }>;
}

/** What an action and a conflict say of where they are. */
const baseOf = (c: AgreementContext, product: ProductRef) => ({
  customer: c.customer,
  company: c.company,
  agreement: c.agreement,
  product: { id: product.id, identifier: product.identifier },
});

/**
 * What one product's line on the agreement should become: create, update, cancel, or nothing.
 * Its words (`reason`) and where it is are made only for an action: at 20,000 customers most
 * products are unchanged, and making them for every one was most of the plan's garbage.
 */
function decide(c: AgreementContext, product: ProductRef, desired: number, reason: () => string, t: Tally): void {
  const policy = c.input.config.policy;
  const current = c.open.find((a) => a.productId === product.id);
  if (!current) {
    if (desired === 0) return;
    if (policy.createMissing)
      t.actions.push(
        priced(
          { action: 'create', ...baseOf(c, product), additionId: null, before: null, after: desired, reason: reason() },
          product.unitPrice,
        ),
      );
    else
      t.warnings.push({
        code: 'missing-addition',
        message: `${product.identifier} on ${c.company.identifier} / ${c.agreement.name}: ${desired} in use but no line, and policy.createMissing is false`,
      });
    return;
  }
  const unitPrice = current.unitPrice ?? product.unitPrice;
  const line = () => ({ ...baseOf(c, product), additionId: current.id, before: current.quantity, reason: reason() });
  if (desired === 0 && policy.onZero === 'cancel')
    t.actions.push(priced({ action: 'cancel', ...line(), after: 0 }, unitPrice));
  else if ((desired === 0 && policy.onZero === 'keep') || current.quantity === desired) t.unchanged++;
  else t.actions.push(priced({ action: 'update', ...line(), after: desired }, unitPrice));
}

function planProduct(c: AgreementContext, identifier: string, t: Tally): void {
  if (c.desires.some(({ d }) => d.skipped.has(identifier))) return;
  const product = c.input.products.get(identifier);
  if (!product) return;
  const shares = c.desires.flatMap(({ name, d }) => {
    const share = d.shares.get(identifier);
    return share ? [{ name, share }] : [];
  });
  const desired = shares.reduce((n, s) => n + s.share.quantity, 0);
  for (const s of shares) if (s.share.quantity > 0) c.billed.push({ label: s.share.label, product: identifier });
  const reason = () =>
    shares.length === 0
      ? 'no users'
      : shares.map((s) => (c.members.length > 1 ? `${s.name}: ${s.share.reason}` : s.share.reason)).join('; ');
  const mine = c.open.filter((a) => a.productId === product.id);
  t.managed += mine.length;
  if (mine.length > 1) {
    const billing = (c.input.names ?? NEUTRAL_NAMES).billing;
    t.conflicts.push({
      ...baseOf(c, product),
      additionIds: mine.map((a) => a.id).sort((a, b) => a - b),
      desired,
      reason: `${mine.length} open lines of ${product.identifier}; cancel all but one in ${billing}`,
    });
    return;
  }
  decide(c, product, desired, reason, t);
}

function planAgreement(
  input: PlanInput,
  agreementId: number,
  members: MatchedBinding[],
  t: Tally,
  identifiers: readonly string[],
): void {
  const { config, now } = input;
  const first = members[0]!.resolved;
  const desires = members.map((m) => ({
    name: m.usage.name,
    d: desiredFor(m.resolved.binding, m.usage, config, { detail: false }),
  }));
  tallyUnmapped(members, desires, t);
  // Managed here: the mapped products, less those an override says to leave alone on this agreement.
  const productIds = new Set(
    [...input.products]
      .filter(([identifier]) => !desires.some(({ d }) => d.skipped.has(identifier)))
      .map(([, p]) => p.id),
  );
  const all = input.lines.get(agreementId) ?? [];
  const open = all.filter((a) => isOpen(a, now) && productIds.has(a.productId));
  const c: AgreementContext = {
    input,
    members,
    desires,
    customer: members.map((m) => m.usage.name).join(', '),
    company: { id: first.company.id, identifier: first.company.identifier },
    agreement: first.agreement,
    open,
    // Filled as each product's desired quantity is known.
    billed: [],
  };
  t.observed.push({
    agreement: agreementId,
    products: t.shareProducts([...productIds].sort((x, y) => x - y)),
    additions: open.map((a) => [a.id, a.productId, a.quantity] as [number, number, number]).sort((x, y) => x[0] - y[0]),
  });
  const acted = t.actions.length;
  for (const identifier of identifiers) planProduct(c, identifier, t);
  if (t.actions.length === acted) return;
  const skipped = new Set(desires.flatMap(({ d }) => [...d.skipped]));
  const { customer, company, agreement, billed } = c;
  t.views.push({ customer, company, agreement, lines: all, managed: productIds, skipped, billed });
}

/** The mapped usage of customers nothing bills: unbound ones, or those whose binding has an error. */
function mappedUsageOf(input: PlanInput, customers: readonly CustomerUsage[], why: NotBilled['why']): NotBilled[] {
  const rows: NotBilled[] = [];
  for (const c of customers) {
    const d = desiredFor(
      { customer: c.id, company: '', agreement: '', overrides: {}, source: { file: '', line: 0 } },
      c,
      input.config,
      { detail: false },
    );
    for (const [identifier, share] of d.shares) {
      if (share.quantity === 0) continue;
      rows.push({
        customer: { id: c.id, name: c.name },
        service: share.label,
        users: share.quantity,
        product: identifier,
        unitPrice: input.products.get(identifier)?.unitPrice ?? null,
        why,
      });
    }
  }
  return rows;
}

function notBilledOf(input: PlanInput, unmapped: Tally['unmapped']): NotBilled[] {
  const rows = [
    ...mappedUsageOf(input, input.unbound, 'unbound'),
    ...mappedUsageOf(input, input.errored ?? [], 'binding-error'),
  ];
  for (const [service, customers] of unmapped)
    for (const [c, users] of customers)
      rows.push({
        customer: { id: c.id, name: c.name },
        service,
        users,
        product: null,
        unitPrice: null,
        why: 'unmapped',
      });
  return rows.sort(
    (a, b) =>
      (a.customer?.name ?? '\uffff').localeCompare(b.customer?.name ?? '\uffff') || a.service.localeCompare(b.service),
  );
}

const order = (
  a: { company: { identifier: string }; agreement: { id: number }; product: { identifier: string } },
  b: typeof a,
) =>
  a.company.identifier.localeCompare(b.company.identifier) ||
  a.agreement.id - b.agreement.id ||
  a.product.identifier.localeCompare(b.product.identifier);

export function buildPlan(input: PlanInput): Plan {
  const policy = input.config.policy;
  const t: Tally = {
    actions: [],
    conflicts: [],
    warnings: [],
    observed: [],
    views: [],
    unmapped: new Map(),
    shareProducts: sharer((ids) => ids.join(), Number.POSITIVE_INFINITY),
    unchanged: 0,
    managed: 0,
  };
  const identifiers = managedProducts(input.config);
  for (const [agreementId, members] of byAgreement(input.matched))
    planAgreement(input, agreementId, members, t, identifiers);

  const unmanaged = unmanagedOfChanged(t.views, input.config, input.products, input.now);
  t.warnings.push(...usageWarnings(t.unmapped, input.services), ...(input.sourceWarnings ?? []), ...unmanaged.warnings);
  for (const c of input.unbound)
    t.warnings.push({
      code: 'unbound-customer',
      message: `customer "${c.name}" (id ${c.id}) in ${(input.names ?? NEUTRAL_NAMES).usage} is not bound to an agreement`,
    });

  t.actions.sort(order);
  t.conflicts.sort(order);
  const actions: Action[] = [];
  const held: HeldAction[] = [];
  for (const a of t.actions) {
    const hold = holdReason(a, policy.safety);
    if (hold) held.push({ ...a, reason: hold, actionReason: a.reason });
    else actions.push(a);
  }
  const safety = checkSafety(t.actions.length, t.managed, policy.safety);
  if (safety.refusal)
    t.warnings.push({
      code: 'safety-limit',
      message: `apply will refuse the whole run without --force: ${safety.refusal}`,
    });
  t.warnings.sort((a, b) => a.code.localeCompare(b.code) || a.message.localeCompare(b.message));
  const errors = [...input.errors].sort(
    (a, b) => a.where.localeCompare(b.where, undefined, { numeric: true }) || a.message.localeCompare(b.message),
  );
  const notBilled = notBilledOf(input, t.unmapped);
  const counted = notBilled.filter((r) => r.why !== 'binding-error');

  const count = (k: Action['action']) => actions.filter((a) => a.action === k).length;
  return {
    formatVersion: 1,
    createdAt: isoSeconds(input.now),
    source: input.source,
    fingerprint: fingerprint(t.actions),
    summary: {
      create: count('create'),
      update: count('update'),
      cancel: count('cancel'),
      unchanged: t.unchanged,
      conflicts: t.conflicts.length,
      held: held.length,
      errors: errors.length,
      priceChange: cents(actions.reduce((n, a) => n + (a.priceChange ?? 0), 0)),
      notBilled: {
        users: counted.reduce((n, r) => n + r.users, 0),
        value: cents(counted.reduce((n, r) => n + r.users * (r.unitPrice ?? 0), 0)),
      },
    },
    actions,
    conflicts: t.conflicts,
    warnings: t.warnings,
    errors,
    held,
    usage: input.usage,
    scope: input.scope,
    safety,
    notBilled,
    unmanaged: unmanaged.lines.sort(
      (a, b) =>
        a.company.identifier.localeCompare(b.company.identifier) ||
        a.agreement.id - b.agreement.id ||
        a.additionId - b.additionId,
    ),
    observed: t.observed.sort((a, b) => a.agreement - b.agreement),
    inputs: recordInputs(input.matched, input.products),
  };
}

function usageWarnings(unmapped: Tally['unmapped'], services: ServiceCatalogue | undefined): Warning[] {
  const out: Warning[] = [];
  for (const [service, customers] of unmapped) {
    const users = [...customers.values()].reduce((n, u) => n + u, 0);
    const who = `${users} users at ${customers.size} customer${customers.size === 1 ? '' : 's'}`;
    if (services && !services.canonical(service))
      out.push({
        code: 'unknown-service',
        message: `${services.vendor} reports service "${service}", which cwsync does not know (${who}); it is not synced`,
      });
    else if (services?.deprecated(service))
      out.push({ code: 'deprecated-service', message: `${service} is deprecated and is not synced (${who})` });
    else
      out.push({
        code: 'unmapped-service',
        message: `${service} is in use (${who}) but not in services.yaml: map it to a product, or set it to null (Not Assigned)`,
      });
  }
  return out;
}
