/** Apply's semantics over the in-memory target: every fault, the exact writes made, never a duplicate. */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/config/types.js';
import { applyPlan } from '../../src/reconcile/apply.js';
import type { MatchedBinding } from '../../src/reconcile/match.js';
import { UnsafePlan } from '../../src/reconcile/safety.js';
import type { Plan } from '../../src/reconcile/types.js';
import { type Fault, MemoryTarget } from '../helpers/memory-target.js';
import { billedLine, CONTOSO, planOver } from '../helpers/plan-fixture.js';

const NOW = new Date('2026-11-26T02:17:00Z');
const PRODUCTS = new Map([
  ['MP-CF', { id: 1, identifier: 'MP-CF', unitPrice: 2 }],
  ['MP-SS', { id: 2, identifier: 'MP-SS', unitPrice: 1 }],
  ['MP-BR', { id: 3, identifier: 'MP-BR', unitPrice: 3 }],
]);
const POLICY: Policy = {
  createMissing: true,
  onZero: 'zero',
  safety: { maxChangePercent: 100, minManaged: 10, maxDecreasePercent: 50 },
};
const CONFIG = { services: { CloudFilter: 'MP-CF', SafeSend: 'MP-SS', Bracket: 'MP-BR' }, bundles: [], policy: POLICY };
const resolved = CONTOSO;

function usage(cf: number, ss: number, br: number): MatchedBinding {
  return {
    resolved,
    usage: {
      id: 1,
      name: 'Contoso',
      userGroups: [
        { name: 'A', users: cf, services: ['CloudFilter'] },
        { name: 'B', users: ss, services: ['SafeSend'] },
        { name: 'C', users: br, services: ['Bracket'] },
      ],
    },
  };
}

const line = billedLine;

function world(): MemoryTarget {
  return new MemoryTarget(new Map([[100, [line(1, 1, 10), line(2, 2, 20)]]]));
}

function planFrom(target: MemoryTarget, m = usage(12, 25, 5), policy = POLICY): Plan {
  return planOver(target, { config: { ...CONFIG, policy }, matched: [m], products: PRODUCTS, now: NOW });
}

const options = { now: NOW, concurrency: 4, force: false, actor: null, clock: () => NOW };

async function applyWith(faults: Fault[], target = world()) {
  target.faults.push(...faults);
  const plan = planFrom(target);
  const report = await applyPlan(target, plan, POLICY, options);
  return {
    target,
    plan,
    report,
    status: Object.fromEntries(report.results.map((r) => [r.product.identifier, r.status])),
  };
}

describe('apply over the in-memory target', () => {
  it('applies every action once, and the next plan has no changes', async () => {
    const { target, report } = await applyWith([]);
    expect(report.summary).toEqual({ applied: 3, failed: 0, unknown: 0, held: 0, skipped: 0, errors: 0 });
    expect(target.writes.map((w) => `${w.kind} ${w.line ?? '-'} ${w.quantity}`).sort()).toEqual([
      'create - 5',
      'setQuantity 1 12',
      'setQuantity 2 25',
    ]);
    expect(planFrom(target).actions).toEqual([]);
  });

  it('settles a create that landed but lost its answer by reading it back: one create, one line', async () => {
    const { target, status, report } = await applyWith([{ on: 'create', kind: 'lost' }]);
    expect(status['MP-BR']).toBe('applied');
    expect(report.results.find((r) => r.action === 'create')?.note).toMatch(/confirmed by reading it back/);
    expect(target.writes.filter((w) => w.kind === 'create')).toHaveLength(1);
    expect(target.open(100, 3)).toHaveLength(1);
  });

  it('never re-sends a create with no answer that is not found: unknown now, settled by the next run', async () => {
    const { target, status, report } = await applyWith([{ on: 'create', kind: 'unknown' }]);
    expect(status['MP-BR']).toBe('unknown');
    expect(report.summary.unknown).toBe(1);
    expect(target.writes.filter((w) => w.kind === 'create')).toHaveLength(1);
    expect(target.open(100, 3)).toHaveLength(0);
    const next = await applyPlan(target, planFrom(target), POLICY, options);
    expect(next.summary.applied).toBe(1);
    expect(target.open(100, 3)).toHaveLength(1);
  });

  it('does not duplicate a create that lands after the client gave up', async () => {
    const { target, status } = await applyWith([{ on: 'create', kind: 'late' }]);
    expect(status['MP-BR']).toBe('unknown');
    target.landLate();
    expect(target.open(100, 3)).toHaveLength(1);
    const again = planFrom(target);
    expect(again.actions).toEqual([]);
    expect(target.writes.filter((w) => w.kind === 'create')).toHaveLength(1);
  });

  it('reports a create the server refused as failed, and writes nothing else for it', async () => {
    const { target, status } = await applyWith([{ on: 'create', kind: 'fail' }]);
    expect(status).toEqual({ 'MP-BR': 'failed', 'MP-CF': 'applied', 'MP-SS': 'applied' });
    expect(target.writes.filter((w) => w.kind === 'create')).toHaveLength(1);
    expect(target.open(100, 3)).toHaveLength(0);
  });

  it('reports unknown when the read-back after a lost create fails too', async () => {
    const { target, status } = await applyWith([
      { on: 'create', kind: 'unknown' },
      { on: 'lines', kind: 'fail', skip: 1 }, // the read just before the create succeeds
    ]);
    expect(status['MP-BR']).toBe('unknown');
    expect(target.writes.filter((w) => w.kind === 'create')).toHaveLength(1);
  });

  it('sends a quantity again when its answer was lost and the read-back shows it did not land', async () => {
    const { target, status, report } = await applyWith([{ on: 'setQuantity', kind: 'unknown', line: 1 }]);
    expect(status['MP-CF']).toBe('applied');
    expect(report.results.find((r) => r.note)?.note).toMatch(/sent again/);
    expect(target.writes.filter((w) => w.kind === 'setQuantity')).toHaveLength(3);
    expect(target.open(100, 1)[0]?.quantity).toBe(12);
  });

  it('confirms a quantity that landed but lost its answer, without sending it again', async () => {
    const { target, status } = await applyWith([{ on: 'setQuantity', kind: 'lost', line: 1 }]);
    expect(status['MP-CF']).toBe('applied');
    expect(target.writes.filter((w) => w.kind === 'setQuantity')).toHaveLength(2);
  });

  it('reports a quantity as unknown when it twice gets no answer', async () => {
    const { target, report } = await applyWith([{ on: 'setQuantity', kind: 'unknown', times: 2, line: 1 }]);
    expect(report.summary.unknown).toBe(1);
    expect(target.writes.filter((w) => w.kind === 'setQuantity')).toHaveLength(3);
  });

  it('refuses a plan over maxChangePercent in the core itself, writing nothing, unless forced', async () => {
    const target = world();
    const strict = { ...POLICY, safety: { maxChangePercent: 10, minManaged: 1, maxDecreasePercent: 50 } };
    const plan = planFrom(target, usage(12, 25, 5), strict);
    expect(plan.safety.refusal).toMatch(/over maxChangePercent 10 %/);
    await expect(applyPlan(target, plan, strict, options)).rejects.toBeInstanceOf(UnsafePlan);
    expect(target.writes).toEqual([]);
    const forced = await applyPlan(target, plan, strict, { ...options, force: true, actor: 'octocat' });
    expect(forced.summary.applied).toBe(3);
    expect(forced).toMatchObject({ forced: true, actor: 'octocat' });
  });

  it('holds a large decrease and applies the rest; --force applies it and records who', async () => {
    const target = world();
    const plan = planFrom(target, usage(4, 25, 0));
    expect(plan.held.map((h) => h.product.identifier)).toEqual(['MP-CF']);
    const report = await applyPlan(target, plan, POLICY, options);
    expect(report.results.map((r) => `${r.product.identifier} ${r.status}`).sort()).toEqual([
      'MP-CF held',
      'MP-SS applied',
    ]);
    expect(target.open(100, 1)[0]?.quantity).toBe(10);
    const forced = await applyPlan(target, planFrom(target, usage(4, 25, 0)), POLICY, {
      ...options,
      force: true,
      actor: 'octocat',
    });
    expect(forced.results.map((r) => `${r.product.identifier} ${r.status} ${r.held ?? ''}`)).toEqual([
      'MP-CF applied 10 -> 4 is a 60 % decrease (limit 50 %)',
    ]);
    expect(forced).toMatchObject({ forced: true, actor: 'octocat', summary: { held: 0, applied: 1 } });
    expect(target.open(100, 1)[0]?.quantity).toBe(4);
  });

  it("does not trust a saved plan's own verdict: held changes moved into actions are still held", async () => {
    const target = world();
    const plan = planFrom(target, usage(4, 25, 0));
    const tampered: Plan = {
      ...plan,
      actions: [...plan.actions, ...plan.held.map(({ actionReason, ...h }) => ({ ...h, reason: actionReason }))],
      held: [],
      safety: { ...plan.safety, refusal: null },
    };
    const report = await applyPlan(target, tampered, POLICY, options);
    expect(report.summary).toMatchObject({ held: 1, applied: 1 });
    expect(target.open(100, 1)[0]?.quantity).toBe(10);
  });

  it('refuses a plan whose actions disagree with what it observed, writing nothing', async () => {
    const target = world();
    const plan = planFrom(target);
    const forged: Plan = {
      ...plan,
      actions: plan.actions.map((a) => (a.additionId === 1 ? { ...a, additionId: 2 } : a)),
    };
    await expect(applyPlan(target, forged, POLICY, options)).rejects.toThrow(
      'the plan is inconsistent: an action changes line 2, which the plan did not read with quantity 10',
    );
    expect(target.writes).toEqual([]);
  });

  it('refuses, even forced, an action whose quantity is beyond 2^53 (2^53+1 is read as 2^53), writing nothing', async () => {
    const target = world();
    const plan = planFrom(target);
    const forged: Plan = { ...plan, actions: plan.actions.map((a, i) => (i === 0 ? { ...a, after: 2 ** 53 + 1 } : a)) };
    await expect(applyPlan(target, forged, POLICY, { ...options, force: true, actor: 'octocat' })).rejects.toThrow(
      'the plan is inconsistent: an action is not a well-formed action; nothing was written',
    );
    expect(target.writes).toEqual([]);
  });

  it('refuses a plan of creates where nothing is managed yet (a replaced catalog item looks like this)', async () => {
    const target = new MemoryTarget(new Map([[100, []]]));
    const strict = { ...POLICY, safety: { maxChangePercent: 30, minManaged: 3, maxDecreasePercent: 50 } };
    const plan = planFrom(target, usage(12, 25, 5), strict);
    expect(plan.safety.refusal).toBe('3 changes where only 0 lines are managed (100 %), over maxChangePercent 30 %');
    await expect(applyPlan(target, plan, strict, options)).rejects.toBeInstanceOf(UnsafePlan);
    expect(target.writes).toEqual([]);
  });

  it('refuses a plan that repeats a create, or creates a product the plan does not manage there', async () => {
    const target = world();
    const plan = planFrom(target);
    const create = plan.actions.find((a) => a.action === 'create')!;
    await expect(applyPlan(target, { ...plan, actions: [...plan.actions, create] }, POLICY, options)).rejects.toThrow(
      'repeats another action on the same product line',
    );
    const foreign = { ...create, product: { id: 99, identifier: 'MP-OTHER' } };
    await expect(applyPlan(target, { ...plan, actions: [foreign] }, POLICY, options)).rejects.toThrow(
      'touches product 99, which the plan does not manage there',
    );
    expect(target.writes).toEqual([]);
  });

  it('cancels: a lost answer is confirmed by reading back, a missing one is sent again once, then unknown', async () => {
    const cancelling = { ...POLICY, onZero: 'cancel' as const, safety: { ...POLICY.safety, maxDecreasePercent: 100 } };
    for (const [fault, status, sent] of [
      ['lost', 'applied', 1],
      ['unknown', 'applied', 2],
    ] as const) {
      const target = world();
      target.faults.push({ on: 'cancel', kind: fault, line: 2 });
      const plan = planFrom(target, usage(10, 0, 0), cancelling);
      expect(plan.actions.map((a) => a.action)).toEqual(['cancel']);
      const report = await applyPlan(target, plan, cancelling, options);
      expect(report.results.map((r) => r.status)).toEqual([status]);
      expect(target.writes.filter((w) => w.kind === 'cancel')).toHaveLength(sent);
      expect(target.open(100, 2)).toEqual([]);
    }
    const target = world();
    target.faults.push({ on: 'cancel', kind: 'unknown', line: 2, times: 2 });
    const report = await applyPlan(target, planFrom(target, usage(10, 0, 0), cancelling), cancelling, options);
    expect(report.results.map((r) => r.status)).toEqual(['unknown']);
  });
});
