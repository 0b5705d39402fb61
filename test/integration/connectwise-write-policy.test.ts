/**
 * ConnectWise's own write policy (billCustomer, effectiveDate) lives in its settings,
 * `connectwise:`; a cwsync.yaml written before the move has them under policy:, still read.
 * Over HTTP against the sandbox, as `apply` sends them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Scene, startScene, writes } from '../helpers/scene.js';

let scene: Scene | undefined;
afterEach(async () => {
  await scene?.close();
  scene = undefined;
});

/** config.example's cwsync.yaml with its connectwise: write policy replaced. */
const withPolicy =
  (connectwise: string, policy = '') =>
  (file: string, text: string) => {
    if (file !== 'cwsync.yaml') return text;
    const out = text
      .replace(/^ {2}billCustomer: .*\n/m, '')
      .replace(/^ {2}effectiveDate: .*\n/m, '')
      .replace(/^connectwise:\n/m, `connectwise:\n${connectwise}`)
      .replace(/^policy:\n/m, `policy:\n${policy}`);
    expect(out).not.toBe(text);
    return out;
  };

async function createsSent(edit: (file: string, text: string) => string) {
  scene = await startScene({ edit });
  const applied = await scene.run(['apply', '--yes', '--config', 'config']);
  expect(applied.code).toBe(0);
  const posts = writes(scene).filter((r) => r.method === 'POST');
  expect(posts.length).toBeGreaterThan(0);
  return posts.map((r) => r.body as { billCustomer: string; effectiveDate: string });
}

/** Whether a date is not after the moment the test looks (today and this month's first are; next month's first is not). */
const notLater = (date: string) => Date.parse(date) <= Date.now();

describe("ConnectWise's write policy is its own setting", () => {
  it('sends connectwise.billCustomer and connectwise.effectiveDate on every create', async () => {
    const bodies = await createsSent(withPolicy('  billCustomer: DoNotBill\n  effectiveDate: today\n'));
    for (const b of bodies) {
      expect(b.billCustomer).toBe('DoNotBill');
      expect(b.effectiveDate).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
      expect(notLater(b.effectiveDate)).toBe(true);
    }
  });

  it('still reads policy.billCustomer and policy.effectiveDate of an older cwsync.yaml when connectwise: has none', async () => {
    const bodies = await createsSent(withPolicy('', '  billCustomer: NoCharge\n  effectiveDate: first-of-month\n'));
    for (const b of bodies) {
      expect(b.billCustomer).toBe('NoCharge');
      expect(b.effectiveDate).toMatch(/^\d{4}-\d{2}-01T00:00:00Z$/);
      expect(notLater(b.effectiveDate)).toBe(true);
    }
  });

  it('without either: Billable, from the first of next month', async () => {
    const bodies = await createsSent(withPolicy(''));
    for (const b of bodies) {
      expect(b.billCustomer).toBe('Billable');
      expect(b.effectiveDate).toMatch(/^\d{4}-\d{2}-01T00:00:00Z$/);
      expect(notLater(b.effectiveDate)).toBe(false);
    }
  });
});
