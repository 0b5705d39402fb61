import { describe, expect, it } from 'vitest';
import { cancelledDate, effectiveDate } from '../../src/connectwise/dates.js';
import { isOpen } from '../../src/reconcile/ports.js';

const now = new Date('2026-12-15T21:30:05.123Z');

describe('dates ConnectWise additions are written with (its own policy, from the run date)', () => {
  it.each([
    ['today', '2026-12-15T00:00:00Z'],
    ['first-of-month', '2026-12-01T00:00:00Z'],
    ['first-of-next-month', '2027-01-01T00:00:00Z'],
  ] as const)('effectiveDate %s', (policy, expected) => {
    expect(effectiveDate(policy, now)).toBe(expected);
  });

  it('cancels as of today 00:00 UTC, so the next plan already sees the addition closed', () => {
    const date = cancelledDate(now);
    expect(date).toBe('2026-12-15T00:00:00Z');
    expect(isOpen({ cancelledDate: date }, now)).toBe(false);
    expect(isOpen({ cancelledDate: '2026-12-31T00:00:00Z' }, now)).toBe(true);
    expect(isOpen({ cancelledDate: null }, now)).toBe(true);
  });
});
