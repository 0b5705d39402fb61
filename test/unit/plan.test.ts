/** The plan function over a table of cases: data in, plan out, no I/O. */
import { describe, expect, it } from 'vitest';
import type { Binding, Override, Policy } from '../../src/config/types.js';
import { fingerprint } from '../../src/reconcile/fingerprint.js';
import type { MatchedBinding } from '../../src/reconcile/match.js';
import { buildPlan, type PlanInput } from '../../src/reconcile/plan.js';
import type { BilledLine } from '../../src/reconcile/ports.js';
import { MAILPROTECTOR_SERVICES } from '../../src/usage/mailprotector-services.js';
import type { CustomerUsage } from '../../src/usage/types.js';

const NOW = new Date('2026-11-26T02:17:00Z');
const PRODUCTS = new Map([
  ['MP-CF', { id: 1, identifier: 'MP-CF', unitPrice: 2.5 }],
  ['MP-SS', { id: 2, identifier: 'MP-SS', unitPrice: null }],
  ['MP-BR', { id: 3, identifier: 'MP-BR', unitPrice: null }],
  ['MP-BUNDLE', { id: 4, identifier: 'MP-BUNDLE', unitPrice: null }],
]);
const POLICY: Policy = {
  createMissing: true,
  onZero: 'zero',
  safety: { maxChangePercent: 100, minManaged: 10, maxDecreasePercent: 100, maxIncreaseUnits: 10_000 },
};
const CONFIG: PlanInput['config'] = {
  services: { CloudFilter: 'MP-CF', SafeSend: 'MP-SS', Bracket: 'MP-BR', XtraMail: null },
  bundles: [],
  policy: POLICY,
};
const BUNDLED: PlanInput['config'] = {
  ...CONFIG,
  bundles: [{ name: 'Bracket Bundle', product: 'MP-BUNDLE', services: ['Bracket', 'CloudFilter', 'SafeSend'] }],
};

type Group = [name: string, users: number, services: string[]];
const customer = (id: number, name: string, groups: Group[]): CustomerUsage => ({
  id,
  name,
  userGroups: groups.map(([n, users, services]) => ({ name: n, users, services })),
});
function bound(c: CustomerUsage, agreementId = 100, overrides: Record<string, Override> = {}): MatchedBinding {
  const binding: Binding = {
    customer: c.name,
    company: 'CONTOSO',
    agreement: 'Email',
    overrides,
    source: { file: 'customers.yaml', line: 1 },
  };
  return {
    usage: c,
    resolved: {
      binding,
      company: { id: 10, identifier: 'CONTOSO', name: 'Contoso' },
      agreement: { id: agreementId, name: 'Email' },
    },
  };
}
let nextId = 500;
const addition = (productId: number, quantity: number, cancelledDate: string | null = null): BilledLine => ({
  id: nextId++,
  productId,
  quantity,
  unitPrice: null,
  cancelledDate,
});
const REST = {
  errors: [],
  usage: { source: 'file' as const, capturedAt: null, label: 'test' },
  scope: null,
};

function plan(over: Partial<PlanInput> & { matched: MatchedBinding[] }, additions: BilledLine[] = []) {
  return buildPlan({
    ...REST,
    config: CONFIG,
    unbound: [],
    products: PRODUCTS,
    lines: new Map([[100, additions]]),
    now: NOW,
    source: { commit: 'abc', dirty: false },
    services: MAILPROTECTOR_SERVICES,
    ...over,
  });
}
const brief = (p: ReturnType<typeof plan>) =>
  p.actions.map((a) => `${a.action} ${a.product.identifier} ${a.before ?? '-'}->${a.after}`);

const contoso = customer(7114, 'Contoso Ltd', [
  ['Staff', 56, ['CloudFilter', 'SafeSend']],
  ['Execs', 4, ['CloudFilter']],
]);

describe('buildPlan', () => {
  it.each<[string, () => ReturnType<typeof plan>, string[]]>([
    [
      'updates a quantity that drifted',
      () => plan({ matched: [bound(contoso)] }, [addition(1, 50), addition(2, 56)]),
      ['update MP-CF 50->60'],
    ],
    [
      'creates a missing addition when usage exists',
      () => plan({ matched: [bound(contoso)] }, [addition(1, 60)]),
      ['create MP-SS -->56'],
    ],
    [
      'does not create when createMissing is false',
      () =>
        plan({ matched: [bound(contoso)], config: { ...CONFIG, policy: { ...POLICY, createMissing: false } } }, [
          addition(1, 60),
        ]),
      [],
    ],
    [
      'sets 0 when usage falls to 0 with onZero=zero',
      () => plan({ matched: [bound(customer(1, 'Empty', []))] }, [addition(1, 8)]),
      ['update MP-CF 8->0'],
    ],
    [
      'cancels when usage falls to 0 with onZero=cancel',
      () =>
        plan(
          {
            matched: [bound(customer(1, 'Empty', []))],
            config: { ...CONFIG, policy: { ...POLICY, onZero: 'cancel' } },
          },
          [addition(1, 8)],
        ),
      ['cancel MP-CF 8->0'],
    ],
    [
      'keeps the quantity with onZero=keep',
      () =>
        plan(
          { matched: [bound(customer(1, 'Empty', []))], config: { ...CONFIG, policy: { ...POLICY, onZero: 'keep' } } },
          [addition(1, 8)],
        ),
      [],
    ],
    ['does nothing for zero usage and no addition', () => plan({ matched: [bound(customer(1, 'Empty', []))] }, []), []],
    [
      'ignores cancelled additions (and creates anew)',
      () => plan({ matched: [bound(contoso)] }, [addition(1, 60), addition(2, 10, '2026-01-31T00:00:00Z')]),
      ['create MP-SS -->56'],
    ],
    [
      'treats an addition cancelled in the future as open',
      () => plan({ matched: [bound(contoso)] }, [addition(1, 60), addition(2, 10, '2026-12-31T00:00:00Z')]),
      ['update MP-SS 10->56'],
    ],
    [
      'never touches additions of unmanaged products',
      () => plan({ matched: [bound(contoso)] }, [addition(1, 60), addition(2, 56), addition(99, 3)]),
      [],
    ],
    [
      'counts a bundle once on its product, not on its services',
      () =>
        plan(
          {
            matched: [
              bound(
                customer(1, 'B', [
                  ['All', 10, ['Bracket', 'CloudFilter', 'SafeSend']],
                  ['Filter', 5, ['CloudFilter']],
                ]),
              ),
            ],
            config: BUNDLED,
          },
          [],
        ),
      ['create MP-BUNDLE -->10', 'create MP-CF -->5'],
    ],
    [
      'applies a quantity override',
      () =>
        plan({ matched: [bound(contoso, 100, { SafeSend: { quantity: 10 } })] }, [addition(1, 60), addition(2, 56)]),
      ['update MP-SS 56->10'],
    ],
    [
      'applies a minimum override only when usage is below it',
      () =>
        plan({ matched: [bound(contoso, 100, { SafeSend: { minimum: 70 }, CloudFilter: { minimum: 5 } })] }, [
          addition(1, 60),
          addition(2, 56),
        ]),
      ['update MP-SS 56->70'],
    ],
    [
      'leaves a skipped product alone',
      () =>
        plan({ matched: [bound(contoso, 100, { CloudFilter: { skip: true } })] }, [addition(1, 1), addition(2, 56)]),
      [],
    ],
    [
      'overrides a bundle by its name',
      () =>
        plan(
          {
            matched: [
              bound(customer(1, 'B', [['All', 10, ['Bracket', 'CloudFilter', 'SafeSend']]]), 100, {
                'Bracket Bundle': { minimum: 15 },
              }),
            ],
            config: BUNDLED,
          },
          [],
        ),
      ['create MP-BUNDLE -->15'],
    ],
    [
      'adds up two customers bound to one agreement, overrides per share',
      () =>
        plan(
          {
            matched: [
              bound(contoso),
              bound(customer(2, 'Contoso Branch', [['Shop', 7, ['CloudFilter']]]), 100, {
                CloudFilter: { minimum: 10 },
              }),
            ],
          },
          [addition(1, 60), addition(2, 56)],
        ),
      ['update MP-CF 60->70'],
    ],
    [
      'does not sync a Not Assigned service',
      () => plan({ matched: [bound(customer(1, 'X', [['Staff', 9, ['XtraMail']]]))] }, []),
      [],
    ],
  ])('%s', (_name, run, expected) => {
    expect(brief(run())).toEqual(expected);
  });

  it('reports more than one open addition of a product as a conflict and touches neither', () => {
    const p = plan({ matched: [bound(contoso)] }, [addition(1, 30), addition(1, 30), addition(2, 56)]);
    expect(p.actions).toEqual([]);
    expect(p.conflicts).toHaveLength(1);
    expect(p.conflicts[0]).toMatchObject({
      product: { identifier: 'MP-CF' },
      desired: 60,
      reason: '2 open lines of MP-CF; cancel all but one in the billing system',
    });
    expect(p.summary).toMatchObject({
      create: 0,
      update: 0,
      cancel: 0,
      unchanged: 1,
      conflicts: 1,
      held: 0,
      errors: 0,
    });
  });

  it('writes the reason the SPEC shows, and the full action shape', () => {
    const p = plan({ matched: [bound(contoso)] }, [addition(1, 10), addition(2, 56)]);
    expect(p.actions).toEqual([
      {
        action: 'update',
        customer: 'Contoso Ltd',
        company: { id: 10, identifier: 'CONTOSO' },
        agreement: { id: 100, name: 'Email' },
        product: { id: 1, identifier: 'MP-CF' },
        additionId: expect.any(Number),
        before: 10,
        after: 60,
        reason: 'CloudFilter: 60 users in 2 user groups',
        unitPrice: 2.5,
        priceChange: 125,
      },
    ]);
    expect(p.summary).toMatchObject({ create: 0, update: 1, cancel: 0, unchanged: 1, conflicts: 0, priceChange: 125 });
  });

  it('warns about unmapped, unknown and deprecated services and unbound customers', () => {
    const c = customer(1, 'Contoso Ltd', [
      ['Staff', 5, ['CloudFilter', 'SecureStore', 'Quantum Shield', 'Exchange+ Premium', 'XtraMail']],
    ]);
    const p = plan({ matched: [bound(c)], unbound: [customer(9, 'Litware', [])] }, [addition(1, 5)]);
    expect(p.warnings).toEqual([
      {
        code: 'deprecated-service',
        message: 'Exchange+ Premium is deprecated and is not synced (5 users at 1 customer)',
      },
      {
        code: 'unbound-customer',
        message: 'customer "Litware" (id 9) in the usage source is not bound to an agreement',
      },
      {
        code: 'unknown-service',
        message:
          'Mailprotector reports service "Quantum Shield", which cwsync does not know (5 users at 1 customer); it is not synced',
      },
      {
        code: 'unmapped-service',
        message:
          'SecureStore is in use (5 users at 1 customer) but not in services.yaml: map it to a product, or set it to null (Not Assigned)',
      },
    ]);
  });

  it('gives the same fingerprint for the same difference, whatever the order or time', () => {
    const a = plan({ matched: [bound(contoso)] }, [addition(1, 50), addition(2, 50)]);
    const b = plan({ matched: [bound(contoso)], now: new Date('2026-11-27T00:00:00Z') }, [
      addition(2, 50),
      addition(1, 50),
    ]);
    expect(a.actions).toHaveLength(2);
    expect(fingerprint([...a.actions].reverse())).toBe(a.fingerprint);
    expect(b.actions.map((x) => [x.before, x.after])).toEqual(a.actions.map((x) => [x.before, x.after]));
    const c = plan({ matched: [bound(contoso)] }, [addition(1, 51), addition(2, 50)]);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('is stable: sorted by company, agreement and product', () => {
    const other = bound(customer(3, 'Alpha', [['S', 1, ['CloudFilter']]]), 200);
    other.resolved.company = { id: 11, identifier: 'ALPHA', name: 'Alpha' };
    const p = buildPlan({
      ...REST,
      config: CONFIG,
      unbound: [],
      products: PRODUCTS,
      lines: new Map(),
      now: NOW,
      source: { commit: null, dirty: true },
      matched: [bound(contoso), other],
    });
    expect(p.actions.map((a) => `${a.company.identifier}/${a.product.identifier}`)).toEqual([
      'ALPHA/MP-CF',
      'CONTOSO/MP-CF',
      'CONTOSO/MP-SS',
    ]);
  });
});

describe('safety limits', () => {
  const strict = {
    ...CONFIG,
    policy: { ...POLICY, safety: { maxChangePercent: 30, minManaged: 10, maxDecreasePercent: 50 } },
  };

  it('carries a refusal when too many managed lines would change, once enough are managed', () => {
    const matched = Array.from({ length: 10 }, (_, i) =>
      bound(customer(i, `C${i}`, [['S', i < 4 ? 11 : 10, ['CloudFilter']]]), 100 + i),
    );
    const lines = new Map(Array.from({ length: 10 }, (_, i) => [100 + i, [addition(1, 10)]]));
    const p = buildPlan({
      ...REST,
      config: strict,
      unbound: [],
      products: PRODUCTS,
      lines,
      now: NOW,
      source: { commit: null, dirty: false },
      matched,
    });
    expect(p.safety).toEqual({
      managed: 10,
      changes: 4,
      refusal: '4 of 10 managed lines would change (40 %), over maxChangePercent 30 %',
    });
    expect(p.warnings.map((w) => w.code)).toContain('safety-limit');
  });

  it('does not check the change share below minManaged', () => {
    const p = plan({ matched: [bound(contoso)], config: strict }, [addition(1, 59), addition(2, 55)]);
    expect(p.safety.refusal).toBeNull();
    expect(p.actions).toHaveLength(2);
  });

  it('holds a single large decrease, and counts 0 or a cancel as 100 %', () => {
    const p = plan({ matched: [bound(contoso)], config: strict }, [addition(1, 200), addition(2, 60)]);
    expect(brief(p)).toEqual(['update MP-SS 60->56']);
    expect(p.held).toHaveLength(1);
    expect(p.held[0]).toMatchObject({
      action: 'update',
      before: 200,
      after: 60,
      reason: '200 -> 60 is a 70 % decrease (limit 50 %)',
      actionReason: 'CloudFilter: 60 users in 2 user groups',
    });
    expect(p.summary).toMatchObject({ update: 1, held: 1 });
    const cancelling = { ...strict, policy: { ...strict.policy, onZero: 'cancel' as const } };
    const c = plan({ matched: [bound(customer(1, 'E', []))], config: cancelling }, [addition(1, 2)]);
    expect(c.held.map((h) => h.reason)).toEqual(['2 -> cancelled is a 100 % decrease (limit 50 %)']);
  });

  it('puts held changes in the fingerprint, so a saved plan that held something still matches only itself', () => {
    const p = plan({ matched: [bound(contoso)], config: strict }, [addition(1, 200), addition(2, 60)]);
    const q = plan({ matched: [bound(contoso)], config: strict }, [addition(1, 300), addition(2, 60)]);
    expect(p.fingerprint).not.toBe(q.fingerprint);
  });
});

describe('money', () => {
  it("uses the addition's own price before the catalog's, and totals the change", () => {
    const own = { ...addition(1, 50), unitPrice: 4 };
    const p = plan({ matched: [bound(contoso)] }, [own, addition(2, 56)]);
    expect(p.actions[0]).toMatchObject({ unitPrice: 4, priceChange: 40 });
    expect(p.summary.priceChange).toBe(40);
  });

  it('values what unbound customers use of mapped services at the catalog price', () => {
    const p = plan({ matched: [bound(contoso)], unbound: [customer(9, 'Litware', [['S', 3, ['CloudFilter']]])] }, [
      addition(1, 60),
      addition(2, 56),
    ]);
    expect(p.notBilled).toEqual([
      {
        customer: { id: 9, name: 'Litware' },
        service: 'CloudFilter',
        users: 3,
        product: 'MP-CF',
        unitPrice: 2.5,
        why: 'unbound',
      },
    ]);
    expect(p.summary.notBilled).toEqual({ users: 3, value: 7.5 });
  });

  it("names each customer using an unmapped service, and shows a binding error's usage apart from the total", () => {
    const adatum = customer(11, 'Adatum', [['S', 4, ['CloudFilter', 'SecureStore']]]);
    const fabrikam = customer(12, 'Fabrikam', [['All', 7, ['CloudFilter', 'SecureStore']]]);
    const p = plan(
      {
        matched: [bound(contoso), bound(adatum, 101)],
        errored: [fabrikam],
        lines: new Map([
          [100, []],
          [101, []],
        ]),
      },
      [],
    );
    const rows = p.notBilled.map((r) => `${r.customer?.name} ${r.service} ${r.users} ${r.why}`);
    expect(rows).toEqual(['Adatum SecureStore 4 unmapped', 'Fabrikam CloudFilter 7 binding-error']);
    expect(p.summary.notBilled).toEqual({ users: 4, value: 0 });
  });
});
