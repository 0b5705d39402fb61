/**
 * A saved plan is applied only if it follows from what it recorded (recompute.ts) and what it
 * was computed from has not moved: the config, the catalog items, the open managed lines of
 * every agreement it looked at, and each agreement's company and status. Usage is not read
 * again (that is the point: the nightly reads Mailprotector once), so usage changes wait for
 * the next night.
 */
import { createTwoFilesPatch } from 'diff';
import { forEachLimit } from '../concurrency.js';
import { configDigest } from '../config/digest.js';
import type { Config, Policy } from '../config/types.js';
import { RefusedError, withHint } from '../errors.js';
import { type AgreementState, type BillingTarget, isOpen, NEUTRAL_NAMES, TargetUnavailable } from './ports.js';
import { allActions, namesAgreement, namesCompany, recomputeProblems } from './recompute.js';
import type { BindingError, ObservedAgreement, Plan, RecordedBinding } from './types.js';

const lineText = (o: ObservedAgreement) =>
  o.additions.map(([id, product, qty]) => `agreement ${o.agreement}: line ${id} product ${product} quantity ${qty}`);

/** The same agreements' open lines of the plan's products, read now, in the plan's format. */
async function observeNow(
  target: BillingTarget,
  plan: Pick<Plan, 'observed'>,
  now: Date,
  concurrency: number,
): Promise<ObservedAgreement[]> {
  const out: ObservedAgreement[] = new Array(plan.observed.length);
  await forEachLimit(plan.observed, concurrency, async (o, i) => {
    const products = new Set(o.products);
    const lines = (await target.lines(o.agreement, o.products)).filter(
      (l) => isOpen(l, now) && products.has(l.productId),
    );
    out[i] = {
      agreement: o.agreement,
      products: o.products,
      additions: lines
        .map((l) => [l.id, l.productId, l.quantity] as [number, number, number])
        .sort((x, y) => x[0] - y[0]),
    };
  });
  return out;
}

/** A unified diff of the observed state, empty when nothing moved. */
function observedDiff(saved: ObservedAgreement[], now: ObservedAgreement[], billing: string): string {
  const text = (all: ObservedAgreement[]) => `${all.flatMap(lineText).sort().join('\n')}\n`;
  const a = text(saved);
  const b = text(now);
  if (a === b) return '';
  const patch = createTwoFilesPatch(`${billing} when planned`, `${billing} now`, a, b, '', '', { context: 0 });
  return patch
    .split('\n')
    .filter((l) => l && !l.startsWith('====='))
    .join('\n');
}

/** Why an agreement may no longer be written as planned, or undefined when it still stands as it was. */
function agreementMoved(
  now: AgreementState | null,
  recorded: RecordedBinding[],
  config: Pick<Config, 'customers'>,
  statuses: readonly string[],
): string | undefined {
  const first = recorded[0]!;
  const id = first.agreement.id;
  if (!now) return `agreement ${id} no longer exists`;
  if (now.company.id !== first.company.id)
    return `agreement ${id} ("${now.name}") now belongs to company ${now.company.identifier} (id ${now.company.id}), not ${first.company.identifier} (id ${first.company.id}) as planned`;
  if (now.company.deleted)
    return `the company ${now.company.identifier} (id ${now.company.id}) of agreement ${id} is deleted`;
  if (now.cancelled) return `agreement ${id} ("${now.name}") is cancelled`;
  const status = now.status ?? 'Active';
  if (!statuses.includes(status))
    return `agreement ${id} ("${now.name}") is ${status}, not ${statuses.join(' or ')} (policy.agreementStatuses)`;
  for (const r of recorded) {
    const b = config.customers.find((c) => c.customer === r.customer);
    if (!b || !namesCompany(b.company, now.company) || !namesAgreement(b.agreement, now))
      return `the binding of ${JSON.stringify(r.customer)} no longer names agreement ${id} ("${now.name}") of ${now.company.identifier}`;
  }
  // Every binding naming this agreement adds to its quantity: one the plan did not count would be under-billed.
  const counted = new Set(recorded.map((r) => r.customer));
  const missing = config.customers.filter(
    (b) => !counted.has(b.customer) && namesAgreement(b.agreement, now) && namesCompany(b.company, now.company),
  );
  if (missing.length > 0)
    return `agreement ${id} is also bound to ${missing.map((b) => JSON.stringify(b.customer)).join(', ')}, whose usage the plan did not count`;
  return undefined;
}

interface AgreementCheck {
  /** The plan less the actions of agreements that moved. */
  plan: Plan;
  /** One error per binding of an agreement that moved. */
  refused: BindingError[];
}

/**
 * Re-reads every agreement the plan writes to: same company, an allowed status, company not
 * deleted, still named by the same bindings. The actions of an agreement that moved are taken
 * out of the plan and become errors of its bindings; every other agreement goes on.
 */
async function checkAgreements(
  target: BillingTarget,
  plan: Plan,
  config: Pick<Config, 'customers'>,
  options: { statuses: readonly string[]; concurrency: number; billing: string },
): Promise<AgreementCheck> {
  const written = [...new Set(allActions(plan).map((a) => a.agreement.id))];
  const recorded = plan.inputs?.bindings ?? [];
  const moved = new Map<number, string>();
  await forEachLimit(written, options.concurrency, async (id) => {
    const mine = recorded.filter((r) => r.agreement.id === id);
    if (mine.length === 0) {
      moved.set(id, `the plan records no binding on agreement ${id}`);
      return;
    }
    try {
      const why = agreementMoved(await target.agreement(id), mine, config, options.statuses);
      if (why) moved.set(id, why);
    } catch (err) {
      if (err instanceof TargetUnavailable) throw err;
      moved.set(id, `agreement ${id} could not be read again before writing: ${withHint(err)}`);
    }
  });
  const refused: BindingError[] = [];
  for (const [id, why] of [...moved].sort((a, b) => a[0] - b[0])) {
    const mine = recorded.filter((r) => r.agreement.id === id);
    for (const r of mine.length > 0 ? mine : [null])
      refused.push({
        customer: r ? String(r.customer) : null,
        where: r?.where ?? `agreement ${id}`,
        message: `nothing was written to agreement ${id}: ${why}`,
        fix: `check the agreement in ${options.billing}, then plan again (cwsync plan --out FILE)`,
      });
  }
  const keep = <T extends { agreement: { id: number } }>(xs: T[]) => xs.filter((a) => !moved.has(a.agreement.id));
  return {
    plan: { ...plan, actions: keep(plan.actions), held: keep(plan.held), errors: [...plan.errors, ...refused] },
    refused,
  };
}

/** The catalog items the plan wrote to, resolved again: an identifier now on another product id moves every action of it. */
async function productsMoved(target: BillingTarget, plan: Plan): Promise<string[]> {
  const recorded = plan.inputs?.products ?? [];
  if (recorded.length === 0) return [];
  const now = await target.resolve(
    [],
    recorded.map((p) => p.identifier),
  );
  return recorded
    .filter((p) => now.products.get(p.identifier)?.id !== p.id)
    .map((p) => {
      const id = now.products.get(p.identifier)?.id;
      return `catalog item ${p.identifier} was product ${p.id} when planned, and is ${id === undefined ? 'not found' : `product ${id}`} now`;
    });
}

/** The agreement statuses that may be billed; Active until policy.agreementStatuses says otherwise. */
function allowedStatuses(policy: Policy): readonly string[] {
  return (policy as Policy & { agreementStatuses?: string[] }).agreementStatuses ?? ['Active'];
}

interface SavedPlanCheck {
  path: string;
  now: Date;
  concurrency: number;
  /** The billing system's name in messages (its adapter's); "the billing system" without it. */
  billing?: string;
}

/**
 * Everything about a saved plan that can be checked against the billing system, before any
 * write: catalog items, the observed lines, and each agreement written to. Returns the plan
 * less the agreements that moved (their bindings' errors added); refuses when nothing is left.
 */
export async function checkAgainstTarget(
  target: BillingTarget,
  plan: Plan,
  config: Config,
  options: SavedPlanCheck,
): Promise<Plan> {
  const billing = options.billing ?? NEUTRAL_NAMES.billing;
  const moved = await productsMoved(target, plan);
  if (moved.length > 0)
    throw new RefusedError(`the catalog changed since the plan ${options.path} was saved; nothing was written`, {
      details: moved.map((m) => `  - ${m}`).join('\n'),
      hint: 'review the new plan and save it again',
    });
  const now = await observeNow(target, plan, options.now, options.concurrency);
  const diff = observedDiff(plan.observed, now, billing);
  if (diff)
    throw new RefusedError(`${billing} changed since the plan ${options.path} was saved; nothing was written`, {
      details: `what changed since the plan was saved:\n${diff}`,
      hint: 'review the new plan and save it again',
    });
  const checked = await checkAgreements(target, plan, config, {
    statuses: allowedStatuses(config.policy),
    concurrency: options.concurrency,
    billing,
  });
  const left = checked.plan.actions.length + checked.plan.held.length;
  if (checked.refused.length > 0 && left === 0)
    throw new RefusedError(
      `every agreement the saved plan ${options.path} writes to moved since it was planned; nothing was written`,
      {
        details: checked.refused.map((e) => `  - ${e.where}: ${e.message}`).join('\n'),
        hint: `check the agreements in ${billing}, then plan again (cwsync plan --out FILE)`,
      },
    );
  return checked.plan;
}

/**
 * What a saved plan must show before it is even sent to the billing system: the digest of the
 * config it was made with (this config), and actions that follow from the inputs it recorded.
 */
export function checkFollows(plan: Plan, config: Config, path: string): void {
  if (typeof plan.source?.config !== 'string')
    throw new RefusedError(
      `the saved plan ${path} records no digest of the config it was made with, so nothing shows which config it follows; nothing was written`,
      { hint: 'plan again (cwsync plan --out FILE) and apply that file unchanged' },
    );
  if (plan.source.config !== configDigest(config))
    throw new RefusedError(
      `the config differs from the one the saved plan ${path} was made with (its mappings, bindings or policy changed); nothing was written`,
      { hint: 'plan again with this config and apply that plan' },
    );
  const problems = recomputeProblems(plan, config);
  if (problems.length > 0)
    throw new RefusedError(
      `the saved plan ${path} is not the plan cwsync made: its actions do not follow from what it recorded; nothing was written`,
      {
        details: problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n'),
        hint: 'plan again (cwsync plan --out FILE) and apply that file unchanged',
      },
    );
}

/** Everything checked of a saved plan before any write, from its own content to the billing system now. */
export async function checkSavedPlan(
  target: BillingTarget,
  plan: Plan,
  config: Config,
  options: SavedPlanCheck,
): Promise<Plan> {
  checkFollows(plan, config, options.path);
  return checkAgainstTarget(target, plan, config, options);
}
