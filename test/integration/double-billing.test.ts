/**
 * The README walk-through's double billing, against the sandbox over loopback: Tailspin pays
 * for a Bracket Bundle line by hand (x28), and without the bundle in services.yaml the plan
 * would create Bracket and SafeSend and raise CloudFilter for the same users. The line cwsync
 * does not manage must be in the JSON plan, and the warning naming it in JSON, text and comment.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/reconcile/types.js';
import { renderJson } from '../../src/render/json.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { renderText } from '../../src/render/text.js';
import { demoPlan, NOW, unbundledDemoPlan } from '../helpers/rendered-plans.js';

let plan: Plan;
beforeAll(async () => {
  plan = await unbundledDemoPlan();
}, 60_000);

describe('a bundle billed by hand beside the components the plan would create', () => {
  it('the plan creates the components on the agreement that already bills the bundle', () => {
    // 12 -> 42 rises over both increase limits, so it is held; it is a change the plan found all the same.
    const tailspin = [...plan.actions, ...plan.held].filter((a) => a.company.identifier === 'TAILSPIN');
    expect(tailspin.map((a) => `${a.action} ${a.product.identifier} ${a.before ?? 'new'} -> ${a.after}`)).toEqual([
      'create MP-BRACKET new -> 30',
      'create MP-SAFESEND new -> 30',
      'update MP-CLOUDFILTER 12 -> 42',
    ]);
  });

  it('JSON: the unmanaged line with product, quantity, price and addition id, and the double-billing warning', () => {
    const json = JSON.parse(renderJson(plan)) as Plan;
    const bundle = json.unmanaged?.find((u) => u.product.identifier === 'MP-BRACKET-BUNDLE');
    expect(bundle).toMatchObject({
      customer: 'Tailspin Toys',
      agreement: { id: 1260, name: 'Security Bundle' },
      product: { id: 756, identifier: 'MP-BRACKET-BUNDLE' },
      description: 'Mailprotector Bracket Bundle',
      quantity: 28,
      unitPrice: 6,
    });
    expect(bundle?.additionId).toEqual(expect.any(Number));
    expect(bundle?.doubleBilling).toBe('it names Bracket, which cwsync bills on this agreement');
    const warning = json.warnings.find((w) => w.code === 'double-billing');
    expect(warning?.message).toContain(
      `TAILSPIN / Security Bundle (Tailspin Toys): line ${bundle?.additionId} MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle" x28 is not managed by cwsync`,
    );
    // Contoso's Microsoft 365 line is shown, and is not called double billing.
    expect(json.unmanaged?.find((u) => u.product.identifier === 'M365-BP')).toMatchObject({
      quantity: 12,
      doubleBilling: null,
    });
  });

  it('text: a "Likely double billing" section before the changes, naming the line', () => {
    const text = renderText(plan, { color: false, now: NOW });
    const at = text.indexOf('Likely double billing (1)');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(text.indexOf('Changes ('));
    expect(text).toContain(
      '! Tailspin Toys (TAILSPIN / Security Bundle): MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle"',
    );
    expect(text).toMatch(
      /MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle" \(line \d+\)\s+x28\s+\$6\.00\s+likely double billing/,
    );
  });

  it('comment: a visible warning before the changes, and the line among the other lines', () => {
    const md = renderMarkdown(plan, { now: NOW });
    const at = md.indexOf('> **Likely double billing: 1 line cwsync does not manage bills what this plan bills too.**');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(md.indexOf('#### Changes'));
    expect(md).toMatch(
      /> - \*\*Tailspin Toys\*\* \(TAILSPIN \/ Security Bundle\): MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle" \(line \d+\) × 28 at \$6\.00: it names Bracket/,
    );
    expect(md).toContain('#### Other lines on these agreements');
  });

  it('with the bundle mapped (config.example), the line is managed and nothing warns', async () => {
    const bundled = await demoPlan();
    expect(bundled.warnings.filter((w) => w.code === 'double-billing')).toEqual([]);
    expect(bundled.unmanaged?.map((u) => u.product.identifier)).not.toContain('MP-BRACKET-BUNDLE');
  });
});
