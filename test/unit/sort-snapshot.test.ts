/** The usage read sorts the snapshot it built in place: the same order, byte for byte, as sortSnapshot's copy. */
import { describe, expect, it } from 'vitest';
import { sortSnapshot, sortSnapshotInPlace, type UsageSnapshot } from '../../src/usage/types.js';

const names = ['Zeta', 'émile', 'Emile', 'alpha', 'Ålborg', 'beta', 'Beta', 'ß', 'z', '10 Co', '9 Co', 'Zeta'];

function built(): UsageSnapshot {
  return {
    formatVersion: 1,
    capturedAt: '2026-12-03T10:00:00Z',
    customers: names.map((name, i) => ({
      id: 100 - i,
      name,
      userGroups: [
        { name: 'Sales', users: 3, services: ['SafeSend', 'CloudFilter'] },
        { name: 'sales', users: 1, services: ['Bracket', 'Archive', 'CloudFilter'], servicesNotShown: ['Z', 'A'] },
        { name: 'Sales', users: 2, services: [] },
        { name: 'Ädmin', users: 5, services: ['X'] },
      ],
    })),
  };
}

describe('sortSnapshotInPlace', () => {
  it('orders as sortSnapshot does, in the same object', () => {
    const own = built();
    const sorted = sortSnapshotInPlace(own);
    expect(sorted).toBe(own);
    expect(JSON.stringify(sorted)).toBe(JSON.stringify(sortSnapshot(built())));
    expect(sorted.customers.map((c) => c.name).slice(0, 4)).toEqual(['10 Co', '9 Co', 'Ålborg', 'alpha']);
  });

  it('orders as localeCompare does, ties by id and by users', () => {
    const sorted = sortSnapshotInPlace(built());
    const expected = [...names].sort((a, b) => a.localeCompare(b));
    expect(sorted.customers.map((c) => c.name)).toEqual(expected);
    const zetas = sorted.customers.filter((c) => c.name === 'Zeta').map((c) => c.id);
    expect(zetas).toEqual([...zetas].sort((a, b) => a - b));
    expect(sorted.customers[0]!.userGroups.map((g) => `${g.name}/${g.users}`)).toEqual([
      'Ädmin/5',
      'sales/1',
      'Sales/2',
      'Sales/3',
    ]);
    expect(sorted.customers[0]!.userGroups[1]!.servicesNotShown).toEqual(['A', 'Z']);
  });
});
