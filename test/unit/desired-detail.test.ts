/**
 * The plan asks desiredFor without explain's detail (how each user group was counted): the
 * shares, skipped products and unmapped services must be the same as with it.
 */
import { describe, expect, it } from 'vitest';
import type { Binding } from '../../src/config/types.js';
import { desiredFor } from '../../src/reconcile/desired.js';
import type { CustomerUsage } from '../../src/usage/types.js';

const config = {
  services: { CloudFilter: 'MP-CF', SafeSend: 'MP-SS', Archive: 'MP-AR', Encryption: null, Bracket: 'MP-BR' },
  bundles: [{ name: 'Suite', product: 'MP-SUITE', services: ['CloudFilter', 'Archive'] }],
};
const usage: CustomerUsage = {
  id: 7,
  name: 'Acme',
  userGroups: [
    { name: 'Sales', users: 12, services: ['CloudFilter', 'Archive', 'SafeSend'] },
    { name: 'Ops', users: 5, services: ['CloudFilter', 'Encryption', 'Telepathy'] },
    { name: 'Idle', users: 0, services: ['Telepathy', 'SafeSend', 'SafeSend'] },
    { name: 'Legal', users: 3, services: ['Bracket', 'Archive'] },
  ],
};
const binding = (overrides: Binding['overrides']): Binding => ({
  customer: 'Acme',
  company: 'ACME',
  agreement: 'Email',
  overrides,
  source: { file: 'customers.yaml', line: 3 },
});

describe('desiredFor without detail', () => {
  for (const [name, overrides] of [
    ['no overrides', {}],
    ['overrides of each kind', { Suite: { minimum: 20 }, SafeSend: { quantity: 2 }, Bracket: { skip: true } }],
  ] as const) {
    it(`${name}: the same shares, skipped and unmapped as with it, and no group records`, () => {
      const full = desiredFor(binding(overrides), usage, config);
      const lean = desiredFor(binding(overrides), usage, config, { detail: false });
      expect(full.groups).toHaveLength(4);
      expect(full.groups[1]).toMatchObject({ counted: [{ product: 'MP-CF' }], notAssigned: ['Encryption'] });
      expect(lean.groups).toEqual([]);
      expect([...lean.shares]).toEqual([...full.shares]);
      expect([...lean.skipped]).toEqual([...full.skipped]);
      expect([...lean.unmapped]).toEqual([...full.unmapped]);
      expect(lean.overrides).toEqual(full.overrides);
      expect(full.shares.size).toBeGreaterThan(1);
    });
  }
});
