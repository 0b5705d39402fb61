/**
 * checkList/checkRecord keep their verdicts with a spec's fields split once and shared kinds:
 * each field's kind, nested paths, absent fields, and a spec checked many times over.
 */
import { describe, expect, it } from 'vitest';
import { type AnswerFacts, checkList, checkRecord, type RecordSpec } from '../../src/http/shape.js';

const spec: RecordSpec = {
  noun: 'addition',
  plural: 'additions',
  fields: {
    id: ['integer'],
    'product/id': ['integer'],
    quantity: ['number'],
    name: ['string', 'absent'],
    billCustomer: ['boolean', 'null', 'absent'],
  },
};
const json = (body: unknown): AnswerFacts => ({ status: 200, headers: new Headers(), body, bytes: 1, format: 'json' });
const good = { id: 1, product: { id: 2 }, quantity: 1.5, name: 'x', billCustomer: null };

describe('record shapes', () => {
  it('takes records with every field of an allowed kind, however often the spec is used', () => {
    for (let i = 0; i < 3; i++) {
      expect(checkList(json([good, { id: 3, product: { id: 4 }, quantity: 2 }]), spec)).toEqual({
        ok: true,
        value: [good, { id: 3, product: { id: 4 }, quantity: 2 }],
      });
      expect(checkRecord(json(good), spec)).toEqual({ ok: true, value: good });
    }
  });

  it('names each field of the wrong kind, by kind only', () => {
    const bad = { id: '1', product: { id: 2.5 }, quantity: 'many', name: 7, billCustomer: 'yes' };
    const r = checkRecord(json(bad), spec);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.why).toBe(
      'id is string, expected integer; product/id is number, expected integer; quantity is string, expected number; name is integer, expected string; billCustomer is string, expected boolean or null',
    );
    expect(JSON.stringify(r)).not.toContain('many');
  });

  it('finds a nested field missing, a list where a record was, and counts the rest', () => {
    const rows = [good, { ...good, product: [] }, { ...good, product: null }, { ...good, id: 2 ** 60 }, 'text', good];
    const r = checkList(json(rows), spec);
    expect(r.ok ? '' : r.why).toBe(
      'item 2 product/id is absent, expected integer; item 3 product/id is absent, expected integer; item 4 id is an integer beyond 2^53, expected integer; and 1 more',
    );
  });
});
