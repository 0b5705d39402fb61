/**
 * Everything the plan needs, read before anything is written: usage and name resolution in
 * parallel, then the lines of every resolved agreement. A failure that concerns one binding
 * (a name, an agreement whose lines cannot be read or understood) becomes that binding's
 * error and the rest go on; only what affects everything (usage unreadable, credentials
 * refused) stops the run.
 */
import { forEachLimit } from '../concurrency.js';
import type { Binding, Config } from '../config/types.js';
import { CwsyncError } from '../errors.js';
import { isoSeconds } from '../time.js';
import type { UsageSource } from '../usage/types.js';
import { matchCustomers, whereOf } from './match.js';
import { managedProducts, type PlanInput } from './plan.js';
import { type BilledLine, type BillingTarget, TargetUnavailable } from './ports.js';
import type { BindingError, UsageProvenance, Warning } from './types.js';

export interface GatherDeps {
  target: BillingTarget;
  usage: UsageSource;
  usageKind: UsageProvenance['source'];
  now: Date;
  source: { commit: string | null; dirty: boolean };
  /** Only these customers (as written in bindings, by name or id); undefined = every binding. */
  scope?: string[];
  concurrency: number;
  /** Progress of the usage read (the long one), for a progress line. */
  onProgress?: (p: { done: number; total: number; requests: number }) => void;
}

/** The bindings --customer names; a name that is no binding's is a mistake worth stopping for. */
export function bindingsInScope(bindings: Binding[], scope: string[] | undefined): Binding[] {
  if (!scope) return bindings;
  const wanted = new Set(scope.map((s) => s.trim().toLowerCase()));
  const chosen = bindings.filter((b) => wanted.has(String(b.customer).toLowerCase()));
  const known = new Set(chosen.map((b) => String(b.customer).toLowerCase()));
  const missing = scope.filter((s) => !known.has(s.trim().toLowerCase()));
  if (missing.length > 0)
    throw new CwsyncError(`--customer names no binding: ${missing.map((m) => `"${m}"`).join(', ')}`, {
      hint: 'name the customer as its binding does (name, any case, or id, in customers.yaml or customers/*.yaml); a customer not bound yet needs a binding first (cwsync import proposes one)',
    });
  return chosen;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const hint = (err as { hint?: string }).hint;
  return hint ? `${err.message} (${hint})` : err.message;
}

/** How a binding names its agreement, for bindings that did not resolve (no agreement id to compare). */
const agreementKey = (b: Binding) =>
  `${b.company.toLowerCase()}\u0000${typeof b.agreement === 'string' ? b.agreement : `#${b.agreement.id}`}`;

type Failed = BindingError & { binding: Binding };

const toError = ({ binding: _binding, ...e }: Failed): BindingError => e;

export async function gather(config: Config, deps: GatherDeps): Promise<PlanInput> {
  const named = new Set(bindingsInScope(config.customers, deps.scope));
  const products = managedProducts(config);
  const readAt = new Date();
  // Usage is read while names resolve and lines are read: the two systems work in parallel.
  const usageWarnings: string[] = [];
  const usage = deps.usage.read({ onWarning: (w) => usageWarnings.push(w), onProgress: deps.onProgress });
  usage.catch(() => undefined); // observed below; avoid an unhandled rejection while the target is busy
  // Every binding is resolved, whatever the scope: an agreement's quantity is the sum of all the
  // customers bound to it, so a run over one of them must see the others too.
  const resolution = await deps.target.resolve(config.customers, products);
  const resolved = new Map(resolution.bindings.map((r) => [r.binding, r]));
  const failed: Failed[] = [];
  const productErrors: BindingError[] = [];
  for (const f of resolution.failures) {
    if (f.binding)
      failed.push({
        binding: f.binding,
        customer: String(f.binding.customer),
        where: whereOf(f.binding),
        message: f.message,
        ...(f.fix ? { fix: f.fix } : {}),
      });
    else
      productErrors.push({
        customer: null,
        where: 'services.yaml',
        message: f.message,
        fix: f.fix ?? 'fix the catalog identifier in services.yaml',
      });
  }
  // The run: the bindings named, widened to every binding on the same agreements.
  const scopeAgreements = new Set([...named].flatMap((b) => resolved.get(b)?.agreement.id ?? []));
  const scopeKeys = new Set([...named].map(agreementKey));
  const inRun = (b: Binding) =>
    named.has(b) || scopeAgreements.has(resolved.get(b)?.agreement.id ?? -1) || scopeKeys.has(agreementKey(b));
  const widened = deps.scope ? config.customers.filter((b) => inRun(b) && !named.has(b)) : [];

  const runResolved = resolution.bindings.filter((r) => inRun(r.binding));
  const productIds = [...resolution.products.values()].map((p) => p.id);
  const agreementIds = [...new Set(runResolved.map((b) => b.agreement.id))];
  const lines = new Map<number, BilledLine[]>();
  const unreadable = new Map<number, string>();
  await forEachLimit(agreementIds, deps.concurrency, async (id) => {
    try {
      lines.set(id, await deps.target.lines(id, productIds));
    } catch (err) {
      if (err instanceof TargetUnavailable) throw err;
      unreadable.set(id, describe(err));
    }
  });
  const readable = runResolved.filter((b) => {
    const why = unreadable.get(b.agreement.id);
    if (why === undefined) return true;
    failed.push({
      binding: b.binding,
      customer: String(b.binding.customer),
      where: whereOf(b.binding),
      message: `the additions of agreement "${b.agreement.name}" (id ${b.agreement.id}) under ${b.company.identifier} could not be read: ${why}`,
      fix: 'nothing was planned for this binding; check the agreement in ConnectWise and run again',
    });
    return false;
  });
  const snapshot = await usage;
  const match = matchCustomers(readable, snapshot, config.customers);
  failed.push(...match.errors);

  // One failing binding blocks its agreement: planned without it, the agreement would be billed
  // for the other customers' users alone.
  const taintedIds = new Map<number, Failed>();
  const taintedKeys = new Map<string, Failed>();
  for (const f of failed) {
    const id = resolved.get(f.binding)?.agreement.id;
    if (id !== undefined && !taintedIds.has(id)) taintedIds.set(id, f);
    if (!taintedKeys.has(agreementKey(f.binding))) taintedKeys.set(agreementKey(f.binding), f);
  }
  const matched = match.matched.filter((m) => {
    const cause = taintedIds.get(m.resolved.agreement.id) ?? taintedKeys.get(agreementKey(m.resolved.binding));
    if (!cause) return true;
    failed.push({
      binding: m.resolved.binding,
      customer: String(m.resolved.binding.customer),
      where: whereOf(m.resolved.binding),
      message: `not planned: ${cause.where} (${cause.customer}) is bound to the same agreement "${m.resolved.agreement.name}" (id ${m.resolved.agreement.id}) and has an error, and the agreement's quantity is the sum of all its customers`,
      fix: `fix ${cause.where} first; this binding is planned again once it resolves`,
    });
    return false;
  });
  const errors = [...productErrors, ...failed.filter((f) => inRun(f.binding)).map(toError)];
  const sourceWarnings: Warning[] = usageWarnings.map((message) => ({ code: 'no-services', message }));
  if (widened.length > 0)
    sourceWarnings.push({
      code: 'scope-widened',
      message: `--customer also planned ${widened.map((b) => `${JSON.stringify(b.customer)} (${whereOf(b)})`).join(', ')}: bound to the same agreement, whose quantity is the sum of its customers`,
    });
  return {
    config,
    matched,
    unbound: deps.scope ? [] : match.unbound,
    products: resolution.products,
    lines,
    errors,
    sourceWarnings,
    usage: {
      source: deps.usageKind,
      capturedAt: snapshot.capturedAt ?? (deps.usageKind === 'mailprotector' ? isoSeconds(readAt) : null),
      label: deps.usage.label,
    },
    scope: deps.scope ? { customers: [...deps.scope] } : null,
    now: deps.now,
    source: deps.source,
  };
}
