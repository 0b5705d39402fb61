/** Services a usage source could not show: which bindings they make an error, and the warning. */
import { describe, expect, it } from 'vitest';
import type { Binding, Override } from '../../src/config/types.js';
import type { MatchedBinding } from '../../src/reconcile/match.js';
import { unseenServices } from '../../src/reconcile/unseen.js';

const config = {
  services: { CloudFilter: 'MP-CF', SafeSend: 'MP-SS', Bracket: 'MP-BR', XtraMail: null },
  bundles: [{ name: 'Bracket Bundle', product: 'MP-BB', services: ['Bracket', 'CloudFilter', 'SafeSend'] }],
};

function matched(overrides: Record<string, Override> = {}, notShown: string[] | null = ['Bracket']) {
  const binding: Binding = {
    customer: 'Contoso',
    company: 'CONTOSO',
    agreement: 'Email',
    overrides,
    source: { file: 'customers.yaml', line: 3 },
  };
  const m: MatchedBinding = {
    resolved: {
      binding,
      company: { id: 1, identifier: 'CONTOSO', name: 'Contoso' },
      agreement: { id: 2, name: 'Email' },
    },
    usage: {
      id: 7,
      name: 'Contoso',
      userGroups: [
        { name: 'Staff', users: 12, services: ['CloudFilter'], ...(notShown ? { servicesNotShown: notShown } : {}) },
        { name: 'Board', users: 3, services: ['CloudFilter'] },
      ],
    },
  };
  return m;
}

describe('unseenServices', () => {
  it('leaves a customer whose services were all shown alone', () => {
    const m = matched({}, null);
    expect(unseenServices([m], config, 'src')).toEqual({ warnings: [], errors: [], rest: [m] });
  });

  it('makes a binding billing a hidden add-on (own product and bundle) an error, with a warning', () => {
    const r = unseenServices([matched()], config, 'src');
    expect(r.rest).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toContain(
      'bills Bracket on MP-BR, Bracket on MP-BB (bundle Bracket Bundle) from usage',
    );
    expect(r.errors[0]!.fix).toContain('"Bracket": { quantity: N }');
    expect(r.warnings).toEqual([
      {
        code: 'services-not-shown',
        message:
          'src answered the services of 1 user group of Contoso as one object, which shows one service: Bracket they may carry cannot be seen and may go unbilled: "Staff" (12 users, shown: CloudFilter); run cwsync doctor --shapes and check these groups\' services in the vendor\'s console',
      },
    ]);
  });

  it('an add-on mapped to null (Not Assigned) is only warned about', () => {
    const m = matched({}, ['XtraMail']);
    const r = unseenServices([m], config, 'src');
    expect(r.errors).toEqual([]);
    expect(r.rest).toEqual([m]);
    expect(r.warnings).toHaveLength(1);
  });

  it('overrides that fix the quantity or skip the line make usage irrelevant; a minimum does not', () => {
    const fixedBoth = matched({ Bracket: { quantity: 4 }, 'Bracket Bundle': { skip: true } });
    expect(unseenServices([fixedBoth], config, 'src').errors).toEqual([]);
    const bundleOnly = unseenServices([matched({ Bracket: { skip: true } })], config, 'src').errors;
    expect(bundleOnly[0]!.message).toContain('bills Bracket on MP-BB (bundle Bracket Bundle) from usage');
    expect(bundleOnly[0]!.fix).toContain('"Bracket Bundle": { quantity: N }');
    expect(
      unseenServices([matched({ Bracket: { minimum: 5 }, 'Bracket Bundle': { skip: true } })], config, 'src').errors,
    ).toHaveLength(1);
  });
});
