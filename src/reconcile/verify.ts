/**
 * A saved plan is applied only if what it was computed from has not moved: the config commit,
 * and the open managed lines of every agreement it looked at. Usage is not read again (that is
 * the point: the nightly reads Mailprotector once), so usage changes wait for the next night.
 */
import { createTwoFilesPatch } from 'diff';
import { forEachLimit } from '../concurrency.js';
import { type BillingTarget, isOpen } from './ports.js';
import type { ObservedAgreement, Plan } from './types.js';

const lineText = (o: ObservedAgreement) =>
  o.additions.map(
    ([id, product, qty]) => `agreement ${o.agreement}: addition ${id} product ${product} quantity ${qty}`,
  );

/** The same agreements' open lines of the plan's products, read now, in the plan's format. */
export async function observeNow(
  target: BillingTarget,
  plan: Pick<Plan, 'observed'>,
  now: Date,
  concurrency: number,
): Promise<ObservedAgreement[]> {
  const out: ObservedAgreement[] = new Array(plan.observed.length);
  await forEachLimit(plan.observed, concurrency, async (o, i) => {
    const products = new Set(o.products);
    const lines = (await target.lines(o.agreement, o.products)).filter(
      (l) => isOpen(l, now) && products.has(l.productId),
    );
    out[i] = {
      agreement: o.agreement,
      products: o.products,
      additions: lines
        .map((l) => [l.id, l.productId, l.quantity] as [number, number, number])
        .sort((x, y) => x[0] - y[0]),
    };
  });
  return out;
}

/** A unified diff of the observed state, empty when nothing moved. */
export function observedDiff(saved: ObservedAgreement[], now: ObservedAgreement[]): string {
  const text = (all: ObservedAgreement[]) => `${all.flatMap(lineText).sort().join('\n')}\n`;
  const a = text(saved);
  const b = text(now);
  if (a === b) return '';
  const patch = createTwoFilesPatch('ConnectWise when planned', 'ConnectWise now', a, b, '', '', { context: 0 });
  return patch
    .split('\n')
    .filter((l) => l && !l.startsWith('====='))
    .join('\n');
}
