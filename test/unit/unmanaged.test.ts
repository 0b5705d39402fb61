/**
 * Lines cwsync does not manage, beside the changes it plans (SPEC §3): listed for every
 * agreement the plan changes, and flagged as likely double billing when they bill what cwsync
 * bills there. The names looked for come from the config, whatever the vendor.
 */
import { describe, expect, it } from 'vitest';
import type { Binding, Override, Policy } from '../../src/config/types.js';
import type { MatchedBinding } from '../../src/reconcile/match.js';
import { buildPlan, type PlanInput } from '../../src/reconcile/plan.js';
import type { BilledLine, ProductRef } from '../../src/reconcile/ports.js';
import type { CustomerUsage } from '../../src/usage/types.js';

const NOW = new Date('2026-11-26T02:17:00Z');
const POLICY: Policy = {
  createMissing: true,
  onZero: 'zero',
  safety: { maxChangePercent: 100, minManaged: 10, maxDecreasePercent: 100, maxIncreaseUnits: 10_000 },
};
const product = (id: number, identifier: string, unitPrice: number | null = 2): [string, ProductRef] => [
  identifier,
  { id, identifier, unitPrice },
];

function bound(usage: CustomerUsage, agreementId: number, overrides: Record<string, Override> = {}): MatchedBinding {
  const binding: Binding = {
    customer: usage.name,
    company: 'X',
    agreement: 'Email',
    overrides,
    source: { file: 'customers.yaml', line: agreementId },
  };
  return {
    usage,
    resolved: {
      binding,
      company: { id: agreementId, identifier: `CO${agreementId}`, name: usage.name },
      agreement: { id: agreementId, name: 'Email' },
    },
  };
}

const line = (id: number, productId: number, quantity: number, extra: Partial<BilledLine> = {}): BilledLine => ({
  id,
  productId,
  quantity,
  unitPrice: 6,
  cancelledDate: null,
  ...extra,
});

function plan(input: Pick<PlanInput, 'config' | 'matched' | 'products' | 'lines'>) {
  return buildPlan({
    ...input,
    unbound: [],
    errors: [],
    usage: { source: 'file', capturedAt: null, label: 'test' },
    scope: null,
    now: NOW,
    source: { commit: 'abc', dirty: false },
  });
}

const tailspin: CustomerUsage = {
  id: 1,
  name: 'Tailspin Toys',
  userGroups: [
    { name: 'Secure', users: 30, services: ['Bracket', 'CloudFilter', 'SafeSend'] },
    { name: 'Warehouse', users: 12, services: ['CloudFilter'] },
  ],
};
const UNBUNDLED: PlanInput['config'] = {
  services: { CloudFilter: 'MP-CLOUDFILTER', SafeSend: 'MP-SAFESEND', Bracket: 'MP-BRACKET' },
  bundles: [],
  policy: POLICY,
};
const PRODUCTS = new Map([
  product(752, 'MP-CLOUDFILTER', 3.5),
  product(753, 'MP-SAFESEND'),
  product(754, 'MP-BRACKET'),
]);

describe('lines cwsync does not manage', () => {
  it('a bundle billed by hand beside the components the plan creates: listed, and warned of by name', () => {
    const p = plan({
      config: UNBUNDLED,
      matched: [bound(tailspin, 1260)],
      products: PRODUCTS,
      lines: new Map([
        [
          1260,
          [
            line(3600, 756, 28, {
              productIdentifier: 'MP-BRACKET-BUNDLE',
              description: 'Mailprotector Bracket Bundle',
            }),
            line(3601, 752, 12, { productIdentifier: 'MP-CLOUDFILTER' }),
            line(3602, 900, 4, { productIdentifier: 'M365-BP', description: 'Microsoft 365 Business Premium' }),
            line(3603, 756, 10, { productIdentifier: 'MP-BRACKET-BUNDLE', cancelledDate: '2025-01-01T00:00:00Z' }),
          ],
        ],
      ]),
    });
    expect(p.actions.map((a) => `${a.action} ${a.product.identifier}`)).toEqual([
      'create MP-BRACKET',
      'update MP-CLOUDFILTER',
      'create MP-SAFESEND',
    ]);
    expect(p.unmanaged).toEqual([
      {
        customer: 'Tailspin Toys',
        company: { id: 1260, identifier: 'CO1260' },
        agreement: { id: 1260, name: 'Email' },
        product: { id: 756, identifier: 'MP-BRACKET-BUNDLE' },
        description: 'Mailprotector Bracket Bundle',
        additionId: 3600,
        quantity: 28,
        unitPrice: 6,
        doubleBilling: 'it names Bracket, which cwsync bills on this agreement',
      },
      expect.objectContaining({ additionId: 3602, doubleBilling: null }),
    ]);
    const warnings = p.warnings.filter((w) => w.code === 'double-billing');
    expect(warnings.map((w) => w.message)).toEqual([
      'likely double billing on CO1260 / Email (Tailspin Toys): line 3600 MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle" x28 is not managed by cwsync, and it names Bracket, which cwsync bills on this agreement; check that it does not bill the same users, then cancel it or map it (a bundle in services.yaml)',
    ]);
  });

  it('looks for the names the config uses, whatever the vendor: a service "Widget" named in a description', () => {
    const usage: CustomerUsage = {
      id: 2,
      name: 'Adatum',
      userGroups: [{ name: 'All', users: 5, services: ['Widget'] }],
    };
    const p = plan({
      config: { services: { Widget: 'ACME-W' }, bundles: [], policy: POLICY },
      matched: [bound(usage, 10)],
      products: new Map([product(1, 'ACME-W')]),
      lines: new Map([[10, [line(1, 99, 5, { productIdentifier: 'PACK-7', description: 'Widget pack, per seat' })]]]),
    });
    expect(p.unmanaged?.[0]?.doubleBilling).toBe('it names Widget, which cwsync bills on this agreement');
  });

  it('flags a line whose product has a mapped identifier but is another catalog item (an old SKU)', () => {
    const p = plan({
      config: UNBUNDLED,
      matched: [bound(tailspin, 20)],
      products: PRODUCTS,
      lines: new Map([[20, [line(7, 757, 40, { productIdentifier: 'mp-cloudfilter', description: 'Old SKU' })]]]),
    });
    expect(p.unmanaged?.[0]?.doubleBilling).toBe(
      'its product mp-cloudfilter is the product services.yaml maps CloudFilter to',
    );
  });

  it('does not flag a product an override skips when the plan bills none of what it names', () => {
    const usage: CustomerUsage = {
      id: 3,
      name: 'Northwind',
      userGroups: [
        { name: 'Office', users: 23, services: ['CloudFilter'] },
        { name: 'Hosted', users: 5, services: ['SafeSend'] },
      ],
    };
    const p = plan({
      config: UNBUNDLED,
      matched: [bound(usage, 30, { SafeSend: { skip: true } })],
      products: PRODUCTS,
      lines: new Map([[30, [line(8, 753, 3, { productIdentifier: 'MP-SAFESEND', description: 'SafeSend' })]]]),
    });
    expect(p.actions).toHaveLength(1);
    expect(p.unmanaged).toEqual([expect.objectContaining({ additionId: 8, doubleBilling: null })]);
    expect(p.warnings.filter((w) => w.code === 'double-billing')).toEqual([]);
  });

  it('lists nothing for an agreement the plan does not change, and ignores names too short to mean anything', () => {
    const usage: CustomerUsage = { id: 4, name: 'Fabrikam', userGroups: [{ name: 'All', users: 3, services: ['IT'] }] };
    const unchanged = plan({
      config: { services: { IT: 'P-IT' }, bundles: [], policy: POLICY },
      matched: [bound(usage, 40)],
      products: new Map([product(1, 'P-IT')]),
      lines: new Map([[40, [line(1, 1, 3), line(2, 50, 9, { description: 'Bracket Bundle' })]]]),
    });
    expect(unchanged.actions).toEqual([]);
    expect(unchanged.unmanaged).toEqual([]);
    const changed = plan({
      config: { services: { IT: 'P-IT' }, bundles: [], policy: POLICY },
      matched: [bound(usage, 40)],
      products: new Map([product(1, 'P-IT')]),
      lines: new Map([[40, [line(1, 1, 2), line(2, 50, 9, { description: 'Security audit' })]]]),
    });
    expect(changed.unmanaged).toEqual([expect.objectContaining({ additionId: 2, doubleBilling: null })]);
  });
});
