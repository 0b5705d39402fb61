/**
 * Integers beyond 2^53 are refused wherever they enter (issue 19): JSON.parse reads
 * 9007199254740993 as 9007199254740992 without a word, so each reader must refuse it rather than
 * bill, write or compare another number. Config YAML and the usage file: hostile-config.test.ts;
 * a saved plan over HTTP: integration/saved-plan.test.ts; answers over HTTP: money-safety.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSavedPlan } from '../../src/cli/saved-plan.js';
import { ADDITION, AGREEMENT } from '../../src/connectwise/shapes.js';
import { RefusedError } from '../../src/errors.js';
import { type AnswerFacts, checkList } from '../../src/http/shape.js';
import { mayHoldUnsafeInteger, unsafeIntegerAt } from '../../src/safe-integer.js';
import { parseList } from '../../src/usage/mailprotector-api.js';

const BEYOND = '9007199254740993';
const answer = (text: string): AnswerFacts => ({
  status: 200,
  headers: new Headers({ 'content-type': 'application/json' }),
  body: JSON.parse(text),
  bytes: text.length,
  format: 'json',
});

describe('integers beyond 2^53', () => {
  it('are found wherever they sit in parsed JSON, with their path; 2^53 - 1 and fractions are not', () => {
    expect(unsafeIntegerAt(JSON.parse(`{"a":[1,{"b":${BEYOND}}]}`))).toBe('$.a[1].b');
    expect(unsafeIntegerAt(JSON.parse(`[{"q":-${BEYOND}}]`))).toBe('$[0].q');
    expect(unsafeIntegerAt(JSON.parse('{"q":1e300}'))).toBe('$.q');
    expect(unsafeIntegerAt(JSON.parse('{"a":9007199254740991,"b":2.5,"c":"9007199254740993"}'))).toBeUndefined();
  });

  it('are possible in JSON text only with 16 digits in a row or an exponent (the cheap look before the walk)', () => {
    expect(mayHoldUnsafeInteger(`{"users":${BEYOND}}`)).toBe(true);
    expect(mayHoldUnsafeInteger('{"users":1e300}')).toBe(true);
    expect(mayHoldUnsafeInteger('{"users":-1.5E+20}')).toBe(true);
    expect(mayHoldUnsafeInteger('{"users":900719925474099,"name":"Office 12"}')).toBe(false);
  });

  it('in a ConnectWise addition (quantity or id) make the answer not understood', () => {
    const line = (q: string, id = '1') =>
      `[{"id":${id},"product":{"id":7},"quantity":${q},"cancelledDate":null,"agreementId":100}]`;
    expect(checkList(answer(line('12')), ADDITION)).toMatchObject({ ok: true });
    expect(checkList(answer(line(BEYOND)), ADDITION)).toEqual({
      ok: false,
      expected: expect.stringContaining('a list of '),
      why: expect.stringContaining('item 1 quantity is an integer beyond 2^53, expected number'),
    });
    expect(checkList(answer(line('3', BEYOND)), ADDITION)).toEqual({
      ok: false,
      expected: expect.stringContaining('a list of '),
      why: expect.stringContaining('item 1 id is an integer beyond 2^53, expected integer'),
    });
  });

  it('in a ConnectWise agreement id or company id make the answer not understood', () => {
    const text = `[{"id":100,"name":"Email","company":{"id":${BEYOND}},"agreementStatus":"Active"}]`;
    expect(checkList(answer(text), AGREEMENT)).toEqual({
      ok: false,
      expected: expect.stringContaining('a list of '),
      why: expect.stringContaining('item 1 company/id is an integer beyond 2^53, expected integer'),
    });
  });

  it("in a Mailprotector user group's user_count or id make the page unreadable, never a count of 2^53", () => {
    expect(parseList(JSON.parse(`[{"id":5,"name":"Staff","user_count":${BEYOND}}]`), 'user_groups')).toBe(
      'record 1 has no user_count that is a non-negative integer',
    );
    expect(parseList(JSON.parse(`[{"id":${BEYOND},"name":"Contoso"}]`), 'customers')).toBe(
      'record 1 has no numeric id',
    );
    expect(parseList(JSON.parse('[{"id":5,"name":"Staff","user_count":"9007199254740993"}]'), 'user_groups')).toBe(
      'record 1 has no user_count that is a non-negative integer',
    );
  });

  it('in a saved plan are refused with the path, before anything else is read', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cwsync-')), 'plan.json');
    writeFileSync(path, `{"formatVersion":1,"actions":[{"action":"update","after":${BEYOND}}],"held":[]}`);
    const err = (() => {
      try {
        readSavedPlan(path);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as RefusedError).exitCode).toBe(3);
    expect((err as Error).message).toBe(
      `the saved plan ${path} holds at $.actions[0].after an integer beyond 2^53 - 1 (9007199254740991), which JSON cannot carry exactly; nothing was written`,
    );
  });
});
