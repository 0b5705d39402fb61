/** Blast radius is one binding: what one binding's failure does to the rest, in process. */
import { describe, expect, it } from 'vitest';
import type { Binding, Config } from '../../src/config/types.js';
import { gather } from '../../src/reconcile/gather.js';
import { buildPlan } from '../../src/reconcile/plan.js';
import { type BilledLine, type ResolvedBinding, TargetUnavailable } from '../../src/reconcile/ports.js';
import type { UsageSnapshot } from '../../src/usage/types.js';
import { MemoryTarget } from '../helpers/memory-target.js';

const bind = (customer: string | number, line: number, agreement: number): [Binding, ResolvedBinding] => {
  const binding: Binding = {
    customer,
    company: `C${agreement}`,
    agreement: 'Email',
    overrides: {},
    source: { file: 'config/customers.yaml', line },
  };
  return [
    binding,
    {
      binding,
      company: { id: agreement, identifier: `C${agreement}`, name: `C${agreement}` },
      agreement: { id: agreement, name: 'Email' },
    },
  ];
};
const line = (id: number, quantity: number): BilledLine => ({
  id,
  productId: 1,
  quantity,
  unitPrice: null,
  cancelledDate: null,
});
const snapshot: UsageSnapshot = {
  formatVersion: 1,
  capturedAt: '2026-11-26T02:00:00Z',
  customers: [
    { id: 1, name: 'Alpha', userGroups: [{ name: 'S', users: 5, services: ['CloudFilter'] }] },
    { id: 2, name: 'Beta', userGroups: [{ name: 'S', users: 6, services: ['CloudFilter'] }] },
    { id: 3, name: 'Gamma', userGroups: [{ name: 'S', users: 7, services: ['CloudFilter'] }] },
  ],
};

function setup(pairs: Array<[Binding, ResolvedBinding]>) {
  const target = new MemoryTarget(
    new Map([
      [100, [line(1, 1)]],
      [200, [line(2, 1)]],
      [300, [line(3, 1)]],
    ]),
    {
      bindings: pairs.map((p) => p[1]),
      products: new Map([['MP-CF', { id: 1, identifier: 'MP-CF', unitPrice: null }]]),
    },
  );
  const config = {
    dir: '.',
    services: { CloudFilter: 'MP-CF' },
    bundles: [],
    customers: pairs.map((p) => p[0]),
    policy: {
      createMissing: true,
      onZero: 'zero',
      safety: { maxChangePercent: 100, minManaged: 10, maxDecreasePercent: 100 },
    },
  } as unknown as Config;
  const deps = {
    target,
    usage: { label: 'test', read: async () => snapshot },
    usageKind: 'file',
    // As the registry fills them in from the two adapters (cli/pipeline.ts).
    names: { billing: 'ConnectWise', usage: 'Mailprotector' },
    now: new Date('2026-11-26T03:00:00Z'),
    source: { commit: 'abc', dirty: false },
    concurrency: 2,
  };
  return { target, config, deps };
}

describe('one binding, one blast radius', () => {
  it('plans every other binding when one agreement cannot be read', async () => {
    const { target, config, deps } = setup([bind('Alpha', 1, 100), bind('Beta', 4, 200), bind('Gamma', 7, 300)]);
    const lines = target.agreementLines.bind(target);
    target.agreementLines = async (id) => {
      if (id === 200)
        throw new Error(
          'ConnectWise list additions of agreement 200 answered HTTP 200 text/html: a body that is not JSON',
        );
      return lines(id);
    };
    const plan = buildPlan(await gather(config, deps));
    expect(plan.actions.map((a) => `${a.customer} ${a.before}->${a.after}`)).toEqual(['Alpha 1->5', 'Gamma 1->7']);
    expect(plan.errors).toEqual([
      expect.objectContaining({
        customer: 'Beta',
        where: 'config/customers.yaml:4',
        message: expect.stringContaining(
          'could not be read: ConnectWise list additions of agreement 200 answered HTTP 200 text/html',
        ),
      }),
    ]);
    expect(plan.summary.errors).toBe(1);
  });

  it('makes an unparseable cancelledDate an error of that binding, never an open (billed) line', async () => {
    const { target, config, deps } = setup([bind('Alpha', 1, 100), bind('Beta', 4, 200)]);
    target.lineStore.get(200)![0]!.cancelledDate = 'next Tuesday';
    const plan = buildPlan(await gather(config, deps));
    expect(plan.actions.map((a) => a.customer)).toEqual(['Alpha']);
    expect(plan.errors).toEqual([
      {
        customer: 'Beta',
        where: 'config/customers.yaml:4',
        message:
          'the lines of agreement "Email" (id 200) under C200 could not be read: cwsync does not understand line 2 from the billing system: expected a cancelledDate that is an ISO date, or none; got "next Tuesday" (check the line in the billing system; nothing was planned for this agreement)',
        fix: 'nothing was planned for this binding; check the agreement in ConnectWise and run again',
      },
    ]);
  });

  it('stops the whole run when the target refuses the credentials', async () => {
    const { target, config, deps } = setup([bind('Alpha', 1, 100)]);
    target.agreementLines = async () => {
      throw new TargetUnavailable('HTTP 401');
    };
    await expect(gather(config, deps)).rejects.toBeInstanceOf(TargetUnavailable);
  });

  it('refuses to bill a customer bound once by id and once by name, naming both places', async () => {
    const { config, deps } = setup([bind('Alpha', 1, 100), bind(1, 9, 200), bind('Gamma', 7, 300)]);
    const plan = buildPlan(await gather(config, deps));
    expect(plan.actions.map((a) => a.customer)).toEqual(['Gamma']);
    expect(plan.errors.map((e) => e.where)).toEqual(['config/customers.yaml:1', 'config/customers.yaml:9']);
    expect(plan.errors[0]?.message).toBe(
      'customer "Alpha" (id 1) in Mailprotector is bound more than once: config/customers.yaml:1 ("Alpha") and config/customers.yaml:9 (1)',
    );
    expect(plan.warnings.filter((w) => w.code === 'unbound-customer')).toEqual([
      { code: 'unbound-customer', message: 'customer "Beta" (id 2) in Mailprotector is not bound to an agreement' },
    ]);
  });

  it('says "the billing system" and "the usage source" when no adapter names them', async () => {
    const { config, deps } = setup([bind('Alpah', 1, 100), bind('Beta', 4, 200)]);
    const { names: _names, ...neutral } = deps;
    const plan = buildPlan(await gather(config, neutral));
    expect(plan.errors.map((e) => e.message)).toEqual(['no customer in the usage source is named "Alpah"']);
    expect(plan.warnings.map((w) => w.message)).toContain(
      'customer "Alpha" (id 1) in the usage source is not bound to an agreement',
    );
  });

  it('makes an unknown customer of the usage source an error of its binding, with a suggestion', async () => {
    const { config, deps } = setup([bind('Alpah', 1, 100), bind('Beta', 4, 200)]);
    const plan = buildPlan(await gather(config, deps));
    expect(plan.actions.map((a) => a.customer)).toEqual(['Beta']);
    expect(plan.errors).toEqual([
      {
        customer: 'Alpah',
        where: 'config/customers.yaml:1',
        message: 'no customer in Mailprotector is named "Alpah"',
        fix: 'did you mean "Alpha"?',
      },
    ]);
  });

  it('narrows the run to --customer and records the scope; an unknown name stops the run', async () => {
    const { config, deps } = setup([bind('Alpha', 1, 100), bind('Beta', 4, 200)]);
    const plan = buildPlan(await gather(config, { ...deps, scope: ['beta'] }));
    expect(plan.actions.map((a) => a.customer)).toEqual(['Beta']);
    expect(plan.scope).toEqual({ customers: ['beta'] });
    expect(plan.warnings.filter((w) => w.code === 'unbound-customer')).toEqual([]);
    await expect(gather(config, { ...deps, scope: ['Delta'] })).rejects.toThrow('--customer names no binding: "Delta"');
  });

  it('records where the usage came from and when it was captured', async () => {
    const { config, deps } = setup([bind('Alpha', 1, 100)]);
    const plan = buildPlan(await gather(config, deps));
    expect(plan.usage).toEqual({ source: 'file', capturedAt: '2026-11-26T02:00:00Z', label: 'test' });
    expect(plan.observed).toEqual([{ agreement: 100, products: [1], additions: [[1, 1, 1]] }]);
  });

  it('widens --customer to every binding on the same agreement, whose quantity is their sum', async () => {
    const { target, config, deps } = setup([bind('Alpha', 1, 100), bind('Beta', 4, 100), bind('Gamma', 7, 300)]);
    target.lineStore.set(100, [line(1, 11)]); // Alpha 5 + Beta 6
    const plan = buildPlan(await gather(config, { ...deps, scope: ['Alpha'] }));
    expect(plan.actions).toEqual([]);
    expect(plan.summary.unchanged).toBe(1);
    expect(plan.warnings.map((w) => w.code)).toContain('scope-widened');
  });

  it('plans nothing on an agreement when one of its customers has an error, instead of billing the others alone', async () => {
    const { target, config, deps } = setup([bind('Alpha', 1, 100), bind('Betta', 4, 100), bind('Gamma', 7, 300)]);
    target.lineStore.set(100, [line(1, 11)]);
    const plan = buildPlan(await gather(config, deps));
    expect(plan.actions.map((a) => a.customer)).toEqual(['Gamma']);
    expect(plan.errors.map((e) => `${e.where} ${e.message.slice(0, 40)}`)).toEqual([
      'config/customers.yaml:1 not planned: config/customers.yaml:4 (Be',
      'config/customers.yaml:4 no customer in Mailprotector is named "B',
    ]);
  });

  it('judges "bound twice" over the whole config: not billed under --customer, nor when the other binding fails', async () => {
    const { target, config, deps } = setup([bind('Alpha', 1, 100), bind(1, 9, 200), bind('Gamma', 7, 300)]);
    const scoped = buildPlan(await gather(config, { ...deps, scope: ['1'] }));
    expect(scoped.actions).toEqual([]);
    expect(scoped.errors.map((e) => e.where)).toEqual(['config/customers.yaml:9']);
    const lines = target.agreementLines.bind(target);
    target.agreementLines = async (id) => {
      if (id === 200) throw new Error('HTTP 500');
      return lines(id);
    };
    const failing = buildPlan(await gather(config, deps));
    expect(failing.actions.map((a) => a.customer)).toEqual(['Gamma']);
  });

  it("blocks an agreement when a sibling's agreement did not resolve under the same company (any of its agreements may be the one meant)", async () => {
    const alpha = bind('Alpha', 1, 100);
    const beta = bind('Beta', 4, 100);
    const gamma = bind('Gamma', 7, 300);
    const { target, config, deps } = setup([alpha, beta, gamma]);
    const resolve = target.resolve.bind(target);
    target.resolve = async (bindings, products) => {
      const r = await resolve(bindings, products);
      return {
        ...r,
        bindings: r.bindings.filter((b) => b.binding !== beta[0]),
        failures: [
          { binding: beta[0], message: 'no open agreement named "Email" under company C100', company: { id: 100 } },
        ],
      };
    };
    const plan = buildPlan(await gather(config, deps));
    expect(plan.actions.map((a) => a.customer)).toEqual(['Gamma']);
    expect(plan.errors.map((e) => e.where)).toEqual(['config/customers.yaml:1', 'config/customers.yaml:4']);
  });
});

describe('one customer identity for validate, plan and match (NFC, ignoring case)', () => {
  const cafe: UsageSnapshot = {
    ...snapshot,
    customers: [
      ...snapshot.customers,
      { id: 4, name: 'Caf\u00e9 Ltd', userGroups: [{ name: 'S', users: 8, services: ['CloudFilter'] }] },
    ],
  };

  it('matches a binding spelt in NFD to the customer spelt in NFC', async () => {
    const { config, deps } = setup([bind('CAFE\u0301 LTD', 1, 100)]);
    const plan = buildPlan(await gather(config, { ...deps, usage: { label: 'test', read: async () => cafe } }));
    expect(plan.errors).toEqual([]);
    expect(plan.actions.map((a) => `${a.customer} ${a.before}->${a.after}`)).toEqual(['Caf\u00e9 Ltd 1->8']);
  });

  it('refuses a customer bound twice by NFC and NFD spellings, at both places', async () => {
    const { config, deps } = setup([bind('Caf\u00e9 Ltd', 1, 100), bind('Cafe\u0301 Ltd', 5, 200)]);
    const plan = buildPlan(await gather(config, { ...deps, usage: { label: 'test', read: async () => cafe } }));
    expect(plan.actions).toEqual([]);
    expect(plan.errors.map((e) => e.where)).toEqual(['config/customers.yaml:1', 'config/customers.yaml:5']);
    expect(plan.errors[0]?.message).toMatch(
      /^customer "Caf\u00e9 Ltd" \(id 4\) in Mailprotector is bound more than once/,
    );
  });

  it('flags a binding that differs from a customer only by a Cyrillic look-alike, instead of proposing it', async () => {
    const { config, deps } = setup([bind('\u0410lpha', 1, 100)]);
    const plan = buildPlan(await gather(config, deps));
    expect(plan.errors).toEqual([
      {
        customer: '\u0410lpha',
        where: 'config/customers.yaml:1',
        message: 'no customer in Mailprotector is named "\u0410lpha"',
        fix: '"\\u0410lpha" differs from "Alpha" only by look-alike letters (Cyrillic or Greek): write it as the name it looks like, in plain characters',
      },
    ]);
  });

  it('flags a binding that differs from a customer only by a zero-width space', async () => {
    const { config, deps } = setup([bind('Al\u200Bpha', 1, 100)]);
    const plan = buildPlan(await gather(config, deps));
    expect(plan.errors.map((e) => e.fix)).toEqual([
      '"Al\\u200Bpha" differs from "Alpha" only by invisible characters: write it as the name it looks like, in plain characters',
    ]);
  });
});

describe('counts that add up beyond 2^53', () => {
  it("makes the customer's binding an error, never a quantity planned as 2^53; the others are planned", async () => {
    const { config, deps } = setup([bind('Alpha', 1, 100), bind('Beta', 4, 200)]);
    const huge: UsageSnapshot = {
      ...snapshot,
      customers: snapshot.customers.map((c) =>
        c.name === 'Alpha'
          ? {
              ...c,
              userGroups: [
                { name: 'A', users: 2 ** 52, services: ['CloudFilter'] },
                { name: 'B', users: 2 ** 52 + 1, services: ['CloudFilter'] },
              ],
            }
          : c,
      ),
    };
    const plan = buildPlan(await gather(config, { ...deps, usage: { label: 'test', read: async () => huge } }));
    expect(plan.actions.map((a) => `${a.customer} ${a.after}`)).toEqual(['Beta 6']);
    expect(plan.held).toEqual([]);
    expect(plan.errors.map((e) => `${e.where} ${e.message}`)).toEqual([
      'config/customers.yaml:1 the user counts of customer "Alpha" (id 1) in Mailprotector add up beyond 2^53 - 1 (9007199254740991), which no quantity can carry exactly',
    ]);
  });
});
