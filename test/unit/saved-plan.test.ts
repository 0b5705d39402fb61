/**
 * A saved plan is applied only as made (SPEC §3), over the in-memory target: a plan that was
 * edited, or whose agreements moved since it was made, writes nothing it should not.
 */
import { describe, expect, it } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { configDigest } from '../../src/config/digest.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { RefusedError } from '../../src/errors.js';
import { applyPlan } from '../../src/reconcile/apply.js';
import { fingerprint } from '../../src/reconcile/fingerprint.js';
import type { MatchedBinding } from '../../src/reconcile/match.js';
import { buildPlan } from '../../src/reconcile/plan.js';
import type { ResolvedBinding } from '../../src/reconcile/ports.js';
import { allActions } from '../../src/reconcile/recompute.js';
import type { Plan } from '../../src/reconcile/types.js';
import { checkSavedPlan } from '../../src/reconcile/verify.js';
import { configDir } from '../helpers/config.js';
import { MemoryTarget } from '../helpers/memory-target.js';
import { billedLine, planOver } from '../helpers/plan-fixture.js';

const NOW = new Date('2026-11-26T02:17:00Z');

function loaded(customers: string): Config {
  const { config, problems } = loadConfig(configDir({ 'customers.yaml': customers }), knownAdapters);
  if (!config) throw new Error(JSON.stringify(problems));
  return config;
}

const CONFIG = loaded(`customers:
  - customer: Contoso Ltd
    company: CONTOSO
    agreement: Email Security
  - customer: Fabrikam
    company: FABRIKAM
    agreement: Email Security
`);

const PRODUCTS = new Map([
  ['MP-CF', { id: 1, identifier: 'MP-CF', unitPrice: 2 }],
  ['MP-SS', { id: 2, identifier: 'MP-SS', unitPrice: 1 }],
  ['MP-BR', { id: 3, identifier: 'MP-BR', unitPrice: 3 }],
  ['MP-BB', { id: 4, identifier: 'MP-BB', unitPrice: 5 }],
]);

const line = billedLine;

function resolvedOf(config: Config): ResolvedBinding[] {
  return config.customers.map((binding, i) => ({
    binding,
    company: { id: 10 * (i + 1), identifier: binding.company, name: `${binding.customer}` },
    agreement: { id: 100 * (i + 1), name: 'Email Security' },
  }));
}

function world(config = CONFIG): MemoryTarget {
  return new MemoryTarget(
    new Map([
      [100, [line(1, 1, 10), line(2, 2, 20)]],
      [200, [line(3, 1, 7)]],
    ]),
    { bindings: resolvedOf(config), products: PRODUCTS },
  );
}

const usageOf = (id: number, name: string, cf: number, ss: number) => ({
  id,
  name,
  userGroups: [
    { name: 'Staff', users: cf, services: ['CloudFilter'] },
    { name: 'Outbound', users: ss, services: ['SafeSend'] },
  ],
});

const FABRIKAM = { id: 20, identifier: 'FABRIKAM', name: 'Fabrikam' };
const CONTOSO_LTD = { id: 10, identifier: 'CONTOSO', name: 'Contoso Ltd' };
const NORTHWIND = { id: 30, identifier: 'NORTHWIND', name: 'Northwind' };

/** An "Email Security" agreement as ConnectWise answers it now (Active, its company not deleted, unless said). */
function agreementOf(
  id: number,
  company: typeof FABRIKAM,
  now: { status?: string; cancelled?: boolean; companyDeleted?: boolean } = {},
) {
  return {
    id,
    name: 'Email Security',
    status: now.status ?? 'Active',
    cancelled: now.cancelled ?? false,
    company: { ...company, deleted: now.companyDeleted ?? false },
  };
}

/** The plan cwsync makes; a forger's "consistent" plan passes another resolution or catalog. */
function planFrom(
  target: MemoryTarget,
  forged: { resolved?: ResolvedBinding[]; products?: typeof PRODUCTS } = {},
): Plan {
  const config = CONFIG;
  const usage = [usageOf(7114, 'Contoso Ltd', 12, 25), usageOf(7200, 'Fabrikam', 9, 4)];
  const matched: MatchedBinding[] = (forged.resolved ?? resolvedOf(config)).map((resolved, i) => ({
    resolved,
    usage: usage[i]!,
  }));
  return planOver(target, {
    config,
    matched,
    products: forged.products ?? PRODUCTS,
    now: NOW,
    source: { commit: 'abc', dirty: false, config: configDigest(config) },
  });
}

/** What apply --plan does after reading the file: every check, then the apply core. */
async function applySaved(target: MemoryTarget, plan: Plan, config = CONFIG) {
  const checked = await checkSavedPlan(target, JSON.parse(JSON.stringify(plan)), config, {
    path: 'plan.json',
    now: NOW,
    concurrency: 4,
  });
  return applyPlan(target, checked, config.policy, { now: NOW, concurrency: 4, force: false, actor: null });
}

async function refusal(target: MemoryTarget, plan: Plan, config = CONFIG): Promise<RefusedError> {
  const err = await applySaved(target, plan, config).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RefusedError);
  expect((err as RefusedError).exitCode).toBe(3);
  return err as RefusedError;
}

/** A tampered plan whose fingerprint is made to match its (edited) actions, as a careful forger would. */
function refingerprinted(plan: Plan): Plan {
  return { ...plan, fingerprint: fingerprint(allActions(plan)) };
}

describe('a saved plan is applied only as made', () => {
  it('applies an untouched saved plan: every action written once', async () => {
    const target = world();
    const report = await applySaved(target, planFrom(target));
    expect(report.summary).toMatchObject({ applied: 4, failed: 0, errors: 0 });
    expect(target.writes.map((w) => `${w.kind} ${w.agreement} ${w.line ?? '-'} ${w.quantity}`).sort()).toEqual([
      'create 200 - 4',
      'setQuantity 100 1 12',
      'setQuantity 100 2 25',
      'setQuantity 200 3 9',
    ]);
  });

  it('refuses a plan whose action was edited to after 5600 (exit 3, zero writes)', async () => {
    const target = world();
    const plan = planFrom(target);
    plan.actions[0]!.after = 5600;
    const err = await refusal(target, plan);
    expect(err.message).toBe(
      'the saved plan plan.json is not the plan cwsync made: its actions do not follow from what it recorded; nothing was written',
    );
    expect(err.details).toContain(`its fingerprint ${plan.fingerprint} is not the hash of its actions`);
    expect(err.details).toMatch(/^\s+-update on agreement 100 .* line 1: 10 -> 5600$/m);
    expect(err.details).toMatch(/^\s+\+update on agreement 100 .* line 1: 10 -> 12$/m);
    expect(target.writes).toEqual([]);
  });

  it('refuses a plan edited to after 5600 even with its fingerprint recomputed: the action does not follow from the usage', async () => {
    const target = world();
    const plan = planFrom(target);
    plan.actions[0]!.after = 5600;
    const err = await refusal(target, refingerprinted(plan));
    expect(err.details).not.toContain('fingerprint');
    expect(err.details).toContain('its actions do not follow from its inputs');
    expect(target.writes).toEqual([]);
  });

  it('refuses a plan with an added create of 999 (exit 3, zero writes)', async () => {
    const target = world();
    const plan = planFrom(target);
    const create = {
      ...plan.actions.find((a) => a.action === 'create')!,
      agreement: { id: 100, name: 'Email Security' },
      company: { id: 10, identifier: 'CONTOSO' },
      product: { id: 3, identifier: 'MP-BR' },
      after: 999,
    };
    const err = await refusal(target, refingerprinted({ ...plan, actions: [...plan.actions, create] }));
    expect(err.details).toMatch(/^\s+-create on agreement 100 \(CONTOSO id 10\) product MP-BR \(id 3\) quantity 999$/m);
    expect(target.writes).toEqual([]);
  });

  it('refuses a plan whose source.config was deleted (exit 3, zero writes)', async () => {
    const target = world();
    const plan = planFrom(target);
    delete plan.source.config;
    const err = await refusal(target, plan);
    expect(err.message).toBe(
      'the saved plan plan.json records no digest of the config it was made with, so nothing shows which config it follows; nothing was written',
    );
    expect(target.writes).toEqual([]);
  });

  it('refuses a plan that records no inputs (made before plans recorded them, or stripped)', async () => {
    const target = world();
    const plan = planFrom(target);
    delete plan.inputs;
    const err = await refusal(target, plan);
    expect(err.details).toContain('it records no inputs to recompute its actions from');
    expect(target.writes).toEqual([]);
  });

  it('refuses usage and actions edited together when the usage is a customer the binding does not name', async () => {
    const target = world();
    const plan = planFrom(target);
    // A forger gives Contoso's binding another Mailprotector customer's (bigger) usage, and matching actions.
    plan.inputs!.bindings[0]!.usage = usageOf(9999, 'Northwind', 40, 25);
    for (const a of plan.actions) if (a.additionId === 1) a.after = 40;
    const err = await refusal(target, refingerprinted(plan));
    expect(err.details).toContain(
      'the usage recorded for "Contoso Ltd" is customer "Northwind" (id 9999) of the usage source, which that binding does not name',
    );
    expect(target.writes).toEqual([]);
  });

  it('refuses recorded usage of a customer no binding names', async () => {
    const target = world();
    const plan = planFrom(target);
    plan.inputs!.bindings.push({
      ...plan.inputs!.bindings[0]!,
      customer: 'Northwind',
      usage: usageOf(9999, 'Northwind', 1, 1),
    });
    const err = await refusal(target, refingerprinted(plan));
    expect(err.details).toContain('the plan counts customer "Northwind", which no binding of the config names');
    expect(target.writes).toEqual([]);
  });

  it('refuses a recorded product that services.yaml does not map, even with a consistent action', async () => {
    const target = world();
    const plan = planFrom(target);
    plan.inputs!.products.push({ identifier: 'CONSULTING', id: 77, unitPrice: null });
    const err = await refusal(target, refingerprinted(plan));
    expect(err.details).toContain('the plan manages product CONSULTING, which services.yaml does not map');
    expect(target.writes).toEqual([]);
  });

  it('refuses a self-consistent plan made with another product id for a catalog item: the catalog is read again', async () => {
    const target = world();
    target.lineStore.get(100)!.push(line(50, 77, 10)); // an unmanaged line (say, consulting hours)
    const products = new Map(PRODUCTS);
    products.set('MP-CF', { id: 77, identifier: 'MP-CF', unitPrice: 2 });
    const plan = planFrom(target, { products });
    expect(plan.actions).toContainEqual(expect.objectContaining({ additionId: 50, after: 12 }));
    const err = await refusal(target, plan);
    expect(err.message).toBe('the catalog changed since the plan plan.json was saved; nothing was written');
    expect(err.details).toBe('  - catalog item MP-CF was product 77 when planned, and is product 1 now');
    expect(target.writes).toEqual([]);
  });

  it("refuses a self-consistent plan that bills Contoso's usage on Fabrikam's agreement: the agreement is read again", async () => {
    const target = world();
    const [contoso, fabrikam] = resolvedOf(CONFIG);
    const onFabrikam = {
      ...contoso!,
      company: { id: 20, identifier: 'CONTOSO', name: 'Contoso Ltd' },
      agreement: fabrikam!.agreement,
    };
    const plan = planFrom(target, { resolved: [onFabrikam, fabrikam!] });
    const err = await refusal(target, plan);
    expect(err.details).toContain(
      'customers.yaml:2: nothing was written to agreement 200: the binding of "Contoso Ltd" no longer names agreement 200 ("Email Security") of FABRIKAM',
    );
    expect(target.writes).toEqual([]);
  });
});

describe('a saved plan re-reads each agreement before writing to it', () => {
  it('writes nothing to an agreement moved to another company since the plan; the other agreement is applied', async () => {
    const target = world();
    const plan = planFrom(target);
    target.agreementStore.set(100, agreementOf(100, FABRIKAM));
    const report = await applySaved(target, plan);
    expect(target.writes.filter((w) => w.agreement === 100)).toEqual([]);
    expect(target.writes.filter((w) => w.agreement === 200)).toHaveLength(2);
    expect(report.errors).toContainEqual({
      customer: 'Contoso Ltd',
      where: expect.stringMatching(/customers\.yaml:2$/),
      message:
        'nothing was written to agreement 100: agreement 100 ("Email Security") now belongs to company FABRIKAM (id 20), not CONTOSO (id 10) as planned',
      fix: 'check the agreement in the billing system, then plan again (cwsync plan --out FILE)',
    });
    expect(report.summary.errors).toBe(1);
  });

  it('writes nothing to an agreement cancelled since the plan', async () => {
    const target = world();
    const plan = planFrom(target);
    target.agreementStore.set(200, agreementOf(200, FABRIKAM, { status: 'Cancelled', cancelled: true }));
    const report = await applySaved(target, plan);
    expect(target.writes.filter((w) => w.agreement === 200)).toEqual([]);
    expect(report.errors.map((e) => e.message)).toEqual([
      'nothing was written to agreement 200: agreement 200 ("Email Security") is cancelled',
    ]);
  });

  it('writes nothing to an agreement whose status left policy.agreementStatuses since the plan', async () => {
    const target = world();
    const plan = planFrom(target);
    target.agreementStore.set(200, agreementOf(200, FABRIKAM, { status: 'Inactive' }));
    const report = await applySaved(target, plan);
    expect(target.writes.filter((w) => w.agreement === 200)).toEqual([]);
    expect(report.errors[0]?.message).toBe(
      'nothing was written to agreement 200: agreement 200 ("Email Security") is Inactive, not Active (policy.agreementStatuses)',
    );
  });

  it('writes nothing to an agreement whose company was deleted since the plan', async () => {
    const target = world();
    const plan = planFrom(target);
    target.agreementStore.set(100, agreementOf(100, CONTOSO_LTD, { companyDeleted: true }));
    const report = await applySaved(target, plan);
    expect(target.writes.filter((w) => w.agreement === 100)).toEqual([]);
    expect(report.errors[0]?.message).toBe(
      'nothing was written to agreement 100: the company CONTOSO (id 10) of agreement 100 is deleted',
    );
  });

  it('refuses the whole plan (exit 3, zero writes) when every agreement it writes to moved', async () => {
    const target = world();
    const plan = planFrom(target);
    for (const id of [100, 200]) target.agreementStore.set(id, agreementOf(id, NORTHWIND));
    const err = await refusal(target, plan);
    expect(err.message).toBe(
      'every agreement the saved plan plan.json writes to moved since it was planned; nothing was written',
    );
    expect(target.writes).toEqual([]);
  });

  it('writes nothing to an agreement that cannot be read again before writing', async () => {
    const target = world();
    const plan = planFrom(target);
    target.faults.push({ on: 'agreement', kind: 'fail' });
    const report = await applySaved(target, plan);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]?.message).toMatch(
      /could not be read again before writing: reading agreement (100|200) failed/,
    );
    expect(target.writes).toHaveLength(2);
  });

  it('writes nothing to a shared agreement when the plan dropped one of the customers bound to it', async () => {
    const shared = loaded(`customers:
  - customer: Contoso Ltd
    company: CONTOSO
    agreement: Email Security
  - customer: Fabrikam
    company: CONTOSO
    agreement: Email Security
`);
    const target = new MemoryTarget(new Map([[100, [line(1, 1, 10)]]]), {
      bindings: shared.customers.map((binding) => ({
        binding,
        company: { id: 10, identifier: 'CONTOSO', name: 'Contoso Ltd' },
        agreement: { id: 100, name: 'Email Security' },
      })),
      products: PRODUCTS,
    });
    const plan = buildPlan({
      config: shared,
      matched: [
        {
          resolved: target.resolution.bindings[0]!,
          usage: usageOf(7114, 'Contoso Ltd', 12, 0),
        },
      ],
      unbound: [],
      products: PRODUCTS,
      lines: new Map([[100, [line(1, 1, 10)]]]),
      errors: [],
      usage: { source: 'file', capturedAt: null, label: 'test' },
      scope: null,
      now: NOW,
      source: { commit: 'abc', dirty: false, config: configDigest(shared) },
    });
    const err = await refusal(target, plan, shared);
    expect(err.details).toContain('agreement 100 is also bound to "Fabrikam", whose usage the plan did not count');
    expect(target.writes).toEqual([]);
  });
});
