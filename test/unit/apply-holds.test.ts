/** Increase holds and maxQuantity, enforced by the apply core itself (SPEC §3 "Safety"). */
import { describe, expect, it } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';
import type { Policy } from '../../src/config/types.js';
import { applyPlan, needsAttention } from '../../src/reconcile/apply.js';
import type { MatchedBinding } from '../../src/reconcile/match.js';
import { holdReason } from '../../src/reconcile/safety.js';
import type { Action, Plan } from '../../src/reconcile/types.js';
import { BASE_CONFIG } from '../helpers/config.js';
import { MemoryTarget } from '../helpers/memory-target.js';
import { billedLine, CONTOSO, planOver } from '../helpers/plan-fixture.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const NOW = new Date('2026-11-26T02:17:00Z');
const PRODUCTS = new Map([
  ['MP-CF', { id: 1, identifier: 'MP-CF', unitPrice: 2 }],
  ['MP-SS', { id: 2, identifier: 'MP-SS', unitPrice: 1 }],
]);
const POLICY: Policy = {
  createMissing: true,
  onZero: 'zero',
  safety: {
    maxChangePercent: 100,
    minManaged: 10,
    maxDecreasePercent: 50,
    maxIncreasePercent: 100,
    maxIncreaseUnits: 25,
    maxQuantity: 5000,
  },
};
const resolved = CONTOSO;
const line = billedLine;

function usage(cf: number, ss: number): MatchedBinding {
  return {
    resolved,
    usage: {
      id: 1,
      name: 'Contoso',
      userGroups: [
        { name: 'A', users: cf, services: ['CloudFilter'] },
        { name: 'B', users: ss, services: ['SafeSend'] },
      ],
    },
  };
}

function planFrom(target: MemoryTarget, m: MatchedBinding, policy = POLICY): Plan {
  return planOver(target, {
    config: { services: { CloudFilter: 'MP-CF', SafeSend: 'MP-SS' }, bundles: [], policy },
    matched: [m],
    products: PRODUCTS,
    now: NOW,
  });
}

const options = { now: NOW, concurrency: 4, force: false, actor: null, clock: () => NOW };
const update = (before: number, after: number) =>
  ({ action: 'update', before, after, additionId: 1 }) as unknown as Action;

describe('increase holds and maxQuantity', () => {
  it('holds 50 -> 999,999,999 (above maxQuantity and a huge increase), writes nothing for it, and exits 1', async () => {
    const target = new MemoryTarget(new Map([[100, [line(1, 1, 50), line(2, 2, 20)]]]));
    const plan = planFrom(target, usage(999_999_999, 21));
    expect(plan.held.map((h) => [h.product.identifier, h.reason])).toEqual([
      [
        'MP-CF',
        '50 -> 999,999,999 is above maxQuantity 5,000 (a broken usage count looks like this); 50 -> 999,999,999 is a 1999999898 % increase, +999,999,949 units (limits 100 % and 25 units)',
      ],
    ]);
    const report = await applyPlan(target, plan, POLICY, options);
    expect(report.results.map((r) => `${r.product.identifier} ${r.status}`).sort()).toEqual([
      'MP-CF held',
      'MP-SS applied',
    ]);
    expect(target.writes).toEqual([{ kind: 'setQuantity', agreement: 100, line: 2, quantity: 21 }]);
    expect(target.open(100, 1)[0]?.quantity).toBe(50);
    expect(needsAttention(report)).toBe(true);
  });

  it('holds an increase only when it exceeds both maxIncreasePercent and maxIncreaseUnits', () => {
    const limits = POLICY.safety;
    expect(holdReason(update(10, 30), limits)).toBeNull(); // +200 % but only 20 units
    expect(holdReason(update(100, 180), limits)).toBeNull(); // 80 units but only +80 %
    expect(holdReason(update(10, 40), limits)).toBe(
      '10 -> 40 is a 300 % increase, +30 units (limits 100 % and 25 units)',
    );
    expect(holdReason(update(0, 26), limits)).toBe(
      '0 -> 26 is an increase from 0, +26 units (limits 100 % and 25 units)',
    );
    expect(holdReason(update(0, 25), limits)).toBeNull();
  });

  it('holds any create above maxQuantity, but not a create within it however large its share', async () => {
    const target = new MemoryTarget(new Map([[100, []]]));
    const plan = planFrom(target, usage(5001, 300));
    expect(plan.actions.map((a) => `${a.action} ${a.product.identifier} ${a.after}`)).toEqual(['create MP-SS 300']);
    expect(plan.held.map((h) => h.reason)).toEqual([
      'a new line of 5,001 is above maxQuantity 5,000 (a broken usage count looks like this)',
    ]);
    const report = await applyPlan(target, plan, POLICY, options);
    expect(report.summary).toMatchObject({ applied: 1, held: 1 });
    expect(target.writes.map((w) => w.quantity)).toEqual([300]);
  });

  it('re-decides the holds in the apply core: an increase moved out of held in a saved plan is still held', async () => {
    const target = new MemoryTarget(new Map([[100, [line(1, 1, 50), line(2, 2, 20)]]]));
    const plan = planFrom(target, usage(999_999_999, 20));
    const tampered: Plan = {
      ...plan,
      actions: plan.held.map(({ actionReason, ...h }) => ({ ...h, reason: actionReason })),
      held: [],
    };
    const report = await applyPlan(target, tampered, POLICY, options);
    expect(report.summary).toMatchObject({ applied: 0, held: 1 });
    expect(target.writes).toEqual([]);
  });

  it('--force applies a held increase and records why it had been held', async () => {
    const target = new MemoryTarget(new Map([[100, [line(1, 1, 10), line(2, 2, 20)]]]));
    const plan = planFrom(target, usage(40, 20));
    const report = await applyPlan(target, plan, POLICY, { ...options, force: true, actor: 'octocat' });
    expect(report.results.map((r) => `${r.status} ${r.held}`)).toEqual([
      'applied 10 -> 40 is a 300 % increase, +30 units (limits 100 % and 25 units)',
    ]);
  });

  it('the schema defaults the limits: maxIncreasePercent 100, maxIncreaseUnits 25, maxQuantity 5000', () => {
    const dir = tempDir('cwsync-holds-');
    writeFiles(dir, BASE_CONFIG);
    const { config } = loadConfig(dir, knownAdapters);
    expect(config?.policy.safety).toMatchObject({ maxIncreasePercent: 100, maxIncreaseUnits: 25, maxQuantity: 5000 });
  });
});
