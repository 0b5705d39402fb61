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
import type { BindingError, UsageProvenance } from './types.js';

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
      hint: 'use the customer exactly as written in customers.yaml (name or id)',
    });
  return chosen;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const hint = (err as { hint?: string }).hint;
  return hint ? `${err.message} (${hint})` : err.message;
}

export async function gather(config: Config, deps: GatherDeps): Promise<PlanInput> {
  const bindings = bindingsInScope(config.customers, deps.scope);
  const products = managedProducts(config);
  const readAt = new Date();
  // Usage is read while names resolve and lines are read: the two systems work in parallel.
  const usageWarnings: string[] = [];
  const usage = deps.usage.read({ onWarning: (w) => usageWarnings.push(w), onProgress: deps.onProgress });
  usage.catch(() => undefined); // observed below; avoid an unhandled rejection while the target is busy
  const resolution = await deps.target.resolve(bindings, products);
  const errors: BindingError[] = resolution.failures.map((f) =>
    f.binding
      ? {
          customer: String(f.binding.customer),
          where: whereOf(f.binding),
          message: f.message,
          ...(f.fix ? { fix: f.fix } : {}),
        }
      : {
          customer: null,
          where: 'services.yaml',
          message: f.message,
          fix: f.fix ?? 'fix the catalog identifier in services.yaml',
        },
  );
  const productIds = [...resolution.products.values()].map((p) => p.id);
  const agreementIds = [...new Set(resolution.bindings.map((b) => b.agreement.id))];
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
  const readable = resolution.bindings.filter((b) => {
    const why = unreadable.get(b.agreement.id);
    if (why === undefined) return true;
    errors.push({
      customer: String(b.binding.customer),
      where: whereOf(b.binding),
      message: `the additions of agreement "${b.agreement.name}" (id ${b.agreement.id}) under ${b.company.identifier} could not be read: ${why}`,
      fix: 'nothing was planned for this binding; check the agreement in ConnectWise and run again',
    });
    return false;
  });
  const snapshot = await usage;
  const match = matchCustomers(readable, snapshot);
  errors.push(...match.errors);
  // Customers outside --customer are not "unbound": they are out of scope.
  const bound = new Set(config.customers.map((b) => String(b.customer).toLowerCase()));
  const unbound = match.unbound.filter((c) => !bound.has(String(c.id)) && !bound.has(c.name.toLowerCase()));
  return {
    config,
    matched: match.matched,
    unbound: deps.scope ? [] : unbound,
    products: resolution.products,
    lines,
    errors,
    sourceWarnings: usageWarnings.map((message) => ({ code: 'no-services' as const, message })),
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
