/**
 * Everything the plan needs, read before anything is written: usage and name resolution in
 * parallel, then the lines of every resolved agreement. A failure that concerns one binding
 * (a name, an agreement whose lines cannot be read or understood) becomes that binding's
 * error and the rest go on; only what affects everything (usage unreadable, credentials
 * refused) stops the run.
 */
import { forEachLimit } from '../concurrency.js';
import type { Binding, Config } from '../config/types.js';
import { CwsyncError, withHint } from '../errors.js';
import { identityKey } from '../text-hygiene.js';
import { isoSeconds } from '../time.js';
import type { CustomerUsage, ServiceCatalogue, UsageSnapshot, UsageSource, UserGroupUsage } from '../usage/types.js';
import { customersOf, matchCustomers, whereOf } from './match.js';
import { managedProducts, type PlanInput } from './plan.js';
import {
  type BilledLine,
  type BillingTarget,
  isOpen,
  NEUTRAL_NAMES,
  type ResolvedBinding,
  type SystemNames,
  type TargetResolution,
  TargetUnavailable,
} from './ports.js';
import type { BindingError, UsageProvenance, Warning } from './types.js';
import { unseenServices } from './unseen.js';

export interface GatherDeps {
  target: BillingTarget;
  usage: UsageSource;
  /** The usage adapter's key (`mailprotector`, `file`), or `snapshot` for --usage-snapshot. */
  usageKind: UsageProvenance['source'];
  /** Whether the usage is read live now (its time of reading is then the usage's). */
  live?: boolean;
  /** The adapters' names, for messages; "the billing system" and "the usage source" without them. */
  names?: SystemNames;
  /** The usage source's service names: usage is canonicalized with it, unmapped services classified. */
  services?: ServiceCatalogue;
  now: Date;
  source: { commit: string | null; dirty: boolean; config?: string };
  /** Only these customers (as written in bindings, by name or id); undefined = every binding. */
  scope?: string[];
  concurrency: number;
  /** Progress of the usage read (the long one), for a progress line. */
  onProgress?: (p: { done: number; total: number; requests: number }) => void;
}

/** The bindings --customer names; a name that is no binding's is a mistake worth stopping for. */
function bindingsInScope(bindings: Binding[], scope: string[] | undefined): Binding[] {
  if (!scope) return bindings;
  // The customer identity of validate and match: Unicode-normalised, ignoring case.
  const wanted = new Set(scope.map((s) => identityKey(s.trim())));
  const chosen = bindings.filter((b) => wanted.has(identityKey(String(b.customer))));
  const known = new Set(chosen.map((b) => identityKey(String(b.customer))));
  const missing = scope.filter((s) => !known.has(identityKey(s.trim())));
  if (missing.length > 0)
    throw new CwsyncError(`--customer names no binding: ${missing.map((m) => `"${m}"`).join(', ')}`, {
      hint: 'name the customer as its binding does (name, any case, or id, in customers.yaml or customers/*.yaml); a customer not bound yet needs a binding first (cwsync import proposes one)',
    });
  return chosen;
}

/** How a binding names its agreement, for bindings that did not resolve (no agreement id to compare). */
const agreementKey = (b: Binding) =>
  typeof b.agreement === 'string' ? `${b.company.toLowerCase()}\u0000${b.agreement}` : `#${b.agreement.id}`;

/** Every service by its canonical name (a source or a usage file may write an alias), once per group. */
function canonicalized(snapshot: UsageSnapshot, services: ServiceCatalogue | undefined): UsageSnapshot {
  if (!services) return snapshot;
  const canonical = (name: string) => services.canonical(name) ?? name;
  // Copied only where a name changes: at 20,000 customers most groups are already canonical.
  const group = (g: UserGroupUsage) =>
    g.services.every((s) => canonical(s) === s) ? g : { ...g, services: [...new Set(g.services.map(canonical))] };
  const customer = (c: CustomerUsage) => {
    const groups = c.userGroups.map(group);
    return groups.every((g, i) => g === c.userGroups[i]) ? c : { ...c, userGroups: groups };
  };
  return { ...snapshot, customers: snapshot.customers.map(customer) };
}

type Failed = BindingError & { binding: Binding; companyId?: number };

const toError = ({ binding: _binding, companyId: _company, ...e }: Failed): BindingError => e;

/** The resolution's failures: one binding's each, or (a catalog item's) services.yaml's. */
function failuresOf(resolution: TargetResolution) {
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
        ...(f.company ? { companyId: f.company.id } : {}),
      });
    else
      productErrors.push({
        customer: null,
        where: 'services.yaml',
        message: f.message,
        fix: f.fix ?? 'fix the catalog identifier in services.yaml',
      });
  }
  return { failed, productErrors };
}

/** Every line of each agreement; an agreement that cannot be read (or understood) is that agreement's error. */
async function readLines(deps: GatherDeps, agreementIds: number[]) {
  const lines = new Map<number, BilledLine[]>();
  const unreadable = new Map<number, string>();
  await forEachLimit(agreementIds, deps.concurrency, async (id) => {
    try {
      // Every line, not only the managed products': the plan shows the others beside its changes.
      const read = await deps.target.agreementLines(id);
      // A line whose dates are not understood fails this agreement here, not the whole plan later.
      for (const l of read) isOpen(l, deps.now);
      lines.set(id, read);
    } catch (err) {
      if (err instanceof TargetUnavailable) throw err;
      unreadable.set(id, withHint(err));
    }
  });
  return { lines, unreadable };
}

/**
 * One failing binding blocks its agreement: planned without it, the agreement would be billed
 * for the other customers' users alone. A failed binding is tied to its agreement by the id it
 * resolved to, by how it names the agreement (an id, or the company and agreement names), or,
 * when its company resolved but its agreement did not, to every agreement of that company: any
 * of them may be the one meant. Returns the failure that blocks an agreement, if any.
 */
function blockerOf(failed: readonly Failed[], resolved: Map<Binding, ResolvedBinding>) {
  const ids = new Map<number, Failed>();
  const keys = new Map<string, Failed>();
  const companies = new Map<number, Failed>();
  const taint = <K>(map: Map<K, Failed>, key: K | undefined, f: Failed) => {
    if (key !== undefined && !map.has(key)) map.set(key, f);
  };
  for (const f of failed) {
    taint(ids, resolved.get(f.binding)?.agreement.id, f);
    taint(keys, agreementKey(f.binding), f);
    taint(companies, f.companyId, f);
  }
  return ({ agreement, company, binding }: ResolvedBinding) =>
    ids.get(agreement.id) ??
    keys.get(agreementKey(binding)) ??
    keys.get(`#${agreement.id}`) ??
    companies.get(company.id);
}

const failure = (b: Binding, message: string, fix: string): Failed => ({
  binding: b,
  customer: String(b.customer),
  where: whereOf(b),
  message,
  fix,
});

export async function gather(config: Config, deps: GatherDeps): Promise<PlanInput> {
  const names = deps.names ?? NEUTRAL_NAMES;
  const named = new Set(bindingsInScope(config.customers, deps.scope));
  const readAt = new Date();
  // Usage is read while names resolve and lines are read: the two systems work in parallel.
  const usageWarnings: string[] = [];
  const usage = deps.usage.read({ onWarning: (w) => usageWarnings.push(w), onProgress: deps.onProgress });
  usage.catch(() => undefined); // observed below; avoid an unhandled rejection while the target is busy
  // Every binding is resolved, whatever the scope: an agreement's quantity is the sum of all the
  // customers bound to it, so a run over one of them must see the others too.
  const resolution = await deps.target.resolve(config.customers, managedProducts(config));
  const resolved = new Map(resolution.bindings.map((r) => [r.binding, r]));
  const { failed, productErrors } = failuresOf(resolution);
  // The run: the bindings named, widened to every binding on the same agreements.
  const scopeAgreements = new Set([...named].flatMap((b) => resolved.get(b)?.agreement.id ?? []));
  const scopeKeys = new Set([...named].map(agreementKey));
  const inRun = (b: Binding) =>
    named.has(b) || scopeAgreements.has(resolved.get(b)?.agreement.id ?? -1) || scopeKeys.has(agreementKey(b));
  const widened = deps.scope ? config.customers.filter((b) => inRun(b) && !named.has(b)) : [];

  const runResolved = resolution.bindings.filter((r) => inRun(r.binding));
  // Every binding either resolved or failed; one that did neither must not vanish unbilled.
  const accounted = new Set([...resolved.keys(), ...failed.map((f) => f.binding)]);
  for (const b of config.customers.filter((x) => !accounted.has(x)))
    failed.push(
      failure(
        b,
        `was neither resolved nor reported as failed by ${names.billing}`,
        'nothing was planned for it; please report this',
      ),
    );
  const { lines, unreadable } = await readLines(deps, [...new Set(runResolved.map((b) => b.agreement.id))]);
  const readable = runResolved.filter((b) => {
    const why = unreadable.get(b.agreement.id);
    if (why === undefined) return true;
    failed.push(
      failure(
        b.binding,
        `the lines of agreement "${b.agreement.name}" (id ${b.agreement.id}) under ${b.company.identifier} could not be read: ${why}`,
        `nothing was planned for this binding; check the agreement in ${names.billing} and run again`,
      ),
    );
    return false;
  });
  const snapshot = canonicalized(await usage, deps.services);
  const match = matchCustomers(readable, snapshot, config.customers, names);
  failed.push(...match.errors);
  // Services the source could not show: warned about, and an error of each binding billing them.
  const unseen = unseenServices(match.matched, config, deps.usage.label);
  failed.push(...unseen.errors);

  const blocker = blockerOf(failed, resolved);
  const matched = unseen.rest.filter((m) => {
    const cause = blocker(m.resolved);
    if (!cause) return true;
    const { agreement, binding } = m.resolved;
    failed.push(
      failure(
        binding,
        `not planned: ${cause.where} (${cause.customer}) has an error and is, or may be, bound to the same agreement "${agreement.name}" (id ${agreement.id}), whose quantity is the sum of all its customers`,
        `fix ${cause.where} first; this binding is planned again once it resolves`,
      ),
    );
    return false;
  });
  const failedInRun = failed.filter((f) => inRun(f.binding));
  const sourceWarnings: Warning[] = usageWarnings.map((message) => ({ code: 'no-services', message }));
  sourceWarnings.push(...unseen.warnings);
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
    errors: [...productErrors, ...failedInRun.map(toError)],
    // Their users are not billed by this run either: the not-billed list names them.
    errored: customersOf(
      failedInRun.map((f) => f.binding),
      snapshot,
    ),
    sourceWarnings,
    ...(deps.services ? { services: deps.services } : {}),
    names,
    usage: {
      source: deps.usageKind,
      capturedAt: snapshot.capturedAt ?? (deps.live ? isoSeconds(readAt) : null),
      label: deps.usage.label,
      ...(deps.live ? { live: true } : {}),
    },
    scope: deps.scope ? { customers: [...deps.scope] } : null,
    now: deps.now,
    source: deps.source,
  };
}
