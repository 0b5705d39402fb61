import { afterEach, describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/output.js';
import type { Action, HeldAction, Plan } from '../../src/reconcile/types.js';
import { renderFailure } from '../../src/render/failure.js';
import { renderJson, renderJsonPieces } from '../../src/render/json.js';
import { MARKDOWN_LIMIT, renderMarkdown, stableText } from '../../src/render/markdown.js';
import { money, moneyChange } from '../../src/render/money.js';
import { renderText } from '../../src/render/text.js';

const action = (i: number, kind: Action['action'] = 'update'): Action => ({
  action: kind,
  customer: `Customer ${i}`,
  company: { id: i, identifier: `CUST${i}` },
  agreement: { id: 1000 + i, name: 'Email Security' },
  product: { id: 752, identifier: 'MP-CLOUDFILTER' },
  additionId: kind === 'create' ? null : 5000 + i,
  before: kind === 'create' ? null : 10,
  after: kind === 'cancel' ? 0 : 12,
  reason: 'CloudFilter: 12 users in 2 user groups',
  unitPrice: 2.5,
  priceChange: kind === 'cancel' ? -25 : kind === 'create' ? 30 : 5,
});
const held: HeldAction = {
  ...action(9),
  before: 60,
  after: 23,
  priceChange: -92.5,
  reason: '60 -> 23 is a 62 % decrease (limit 50 %)',
  actionReason: 'CloudFilter: 23 users',
};
const plan = (actions: Action[], extra: Partial<Plan> = {}): Plan => ({
  formatVersion: 1,
  createdAt: '2026-11-26T02:17:00Z',
  source: { commit: '9fceb02d0ae598e95dc970b74767f19372d61af8', dirty: false },
  fingerprint: 'sha256:abc',
  summary: {
    create: actions.filter((a) => a.action === 'create').length,
    update: actions.filter((a) => a.action === 'update').length,
    cancel: actions.filter((a) => a.action === 'cancel').length,
    unchanged: 3,
    conflicts: 0,
    held: extra.held?.length ?? 0,
    errors: extra.errors?.length ?? 0,
    priceChange: actions.reduce((n, a) => n + (a.priceChange ?? 0), 0),
    notBilled: {
      users: (extra.notBilled ?? []).reduce((n, r) => n + r.users, 0),
      value: (extra.notBilled ?? []).reduce((n, r) => n + r.users * (r.unitPrice ?? 0), 0),
    },
  },
  actions,
  conflicts: [],
  warnings: [],
  errors: [],
  held: [],
  usage: {
    source: 'mailprotector',
    capturedAt: '2026-11-26T02:17:00Z',
    label: 'Mailprotector reseller 343',
    live: true,
  },
  scope: null,
  safety: { managed: 20, changes: actions.length, refusal: null },
  notBilled: [],
  observed: [],
  ...extra,
});
const failing = (): Partial<Plan> => ({
  errors: [
    {
      customer: 'Fabrikam',
      where: 'config/customers.yaml:12',
      message: 'no company has the identifier FABRIKM',
      fix: 'did you mean FABRIKAM?',
    },
  ],
  held: [held],
  safety: {
    managed: 4,
    changes: 4,
    refusal: '4 of 4 managed lines would change (100 %), over maxChangePercent 50 %',
  },
  warnings: [
    { code: 'safety-limit', message: 'apply will refuse the whole run without --force: 4 of 4' },
    { code: 'unbound-customer', message: 'Mailprotector customer "Litware" (id 7) is not bound to an agreement' },
    { code: 'no-services', message: 'Adatum has no services' },
  ],
  notBilled: [
    {
      customer: { id: 7, name: 'Litware' },
      service: 'CloudFilter',
      users: 15,
      product: 'MP-CLOUDFILTER',
      unitPrice: 3.5,
    },
    { customer: null, service: 'SecureStore', users: 9, product: null, unitPrice: null },
  ],
});
const NOW = new Date('2026-11-26T07:20:00Z');
const outsideDetails = (md: string) => md.replace(/<details>[\s\S]*?<\/details>/g, '');

describe('money', () => {
  it('has 2 decimals, a sign for changes, thousands separators and $', () => {
    expect([moneyChange(412.5), moneyChange(-25), moneyChange(0), money(1234567.891)]).toEqual([
      '+$412.50',
      '-$25.00',
      '$0.00',
      '$1,234,567.89',
    ]);
  });
});

describe('text renderer', () => {
  it('says the verdict with its money, then errors, refusal, held, changes, not billed, warnings, stamp', () => {
    const out = renderText(plan([action(1), action(2, 'create'), action(3, 'cancel')], failing()), {
      color: false,
      now: NOW,
    });
    expect(out.split('\n')[0]).toBe(
      '1 error · 3 changes on 3 agreements · 1 held · +$10.00 per billing cycle · apply would refuse it without --force (1 to create, 1 to update, 1 to cancel, 3 unchanged, 0 conflicts, 1 held, 1 error)',
    );
    const order = [
      'Errors (1)',
      'Apply will refuse',
      'Held (1)',
      'Changes (3)',
      'Not billed: 24 users, $52.50',
      'Warnings (1)',
      'usage read live',
    ];
    const at = order.map((s) => out.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).toMatch(
      / {2}Customer 2 +CUST2 \/ Email Security +MP-CLOUDFILTER +new -> 12 +\$2\.50 +\+\$30\.00 +CloudFilter: 12 users in 2 user groups\n/,
    );
    expect(out).toMatch(/10 -> 0 \(cancel\) +\$2\.50 +-\$25\.00/);
    expect(out).toContain('Changes (3): increases +$35.00, decreases -$25.00, net +$10.00 per billing cycle');
    expect(out).toMatch(/Litware +CloudFilter +15 users +not bound +MP-CLOUDFILTER +\$52\.50/);
    expect(out).toContain('  ! Adatum has no services');
    expect(out).not.toContain('Litware" (id 7) is not bound');
    expect(out).not.toContain('\u001b[');
  });

  it('lists a conflict by company, agreement, why, both additions and what usage says; never as a change', () => {
    const conflict = {
      customer: 'Customer 4',
      company: { id: 4, identifier: 'CUST4' },
      agreement: { id: 1004, name: 'Email Security' },
      product: { id: 752, identifier: 'MP-CLOUDFILTER' },
      additionIds: [71, 72],
      desired: 12,
      reason: 'two open lines of MP-CLOUDFILTER',
    };
    const out = renderText(plan([], { conflicts: [conflict] }), { color: false, now: NOW });
    expect(out).toContain(
      'Conflicts (reported, never touched):\n  CUST4 / Email Security: two open lines of MP-CLOUDFILTER (lines 71, 72; usage says 12)',
    );
    expect(out).not.toContain('Changes (');
  });

  it('colours only when asked', () => {
    expect(renderText(plan([action(1)]), { color: true })).toContain('\u001b[32m+$5.00\u001b[0m');
    expect(renderText(plan([]), { color: false })).toMatch(/^No changes \(/);
  });
});

describe('useColor', () => {
  const tty = process.stdout.isTTY;
  afterEach(() => {
    process.stdout.isTTY = tty;
    delete process.env.NO_COLOR;
  });
  it('is on for a TTY and off with NO_COLOR or without a TTY', () => {
    process.stdout.isTTY = true;
    expect(useColor()).toBe(true);
    process.env.NO_COLOR = '1';
    expect(useColor()).toBe(false);
    delete process.env.NO_COLOR;
    process.stdout.isTTY = false;
    expect(useColor()).toBe(false);
  });
});

describe('markdown renderer', () => {
  it('opens with one verdict line carrying the money, and the problems first, visible', () => {
    const out = renderMarkdown(plan([action(1), action(2, 'create')], failing()), { now: NOW });
    expect(out.split('\n')[0]).toBe(
      '### cwsync plan: 1 error · 2 changes on 2 agreements · 1 held · +$35.00 per billing cycle · 24 users not billed ($52.50) · apply would refuse it without --force',
    );
    const order = [
      '[!CAUTION]',
      'Apply will refuse this whole plan',
      '1 change held',
      '#### Changes (2)',
      '#### Not billed',
      '#### Warnings (1)',
      '<sub>',
    ];
    const at = order.map((s) => out.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).toContain(
      '> - **Fabrikam** at config/customers.yaml:12: no company has the identifier FABRIKM. Fix: did you mean FABRIKAM?',
    );
    expect(out).toContain(
      '| Customer 9 | CUST9 / Email Security | MP-CLOUDFILTER | 60 → 23 | $2.50 | -$92.50 | 60 -&gt; 23 is a 62 % decrease (limit 50 %) | CloudFilter: 23 users |',
    );
    expect(out).toContain(
      '| Customer 2 | CUST2 / Email Security | MP-CLOUDFILTER | new → 12 | $2.50 | +$30.00 | CloudFilter: 12 users in 2 user groups |',
    );
    expect(out).toContain('**increases +$35.00 · decreases $0.00 · net +$35.00 per billing cycle**');
    expect(out).toContain('| Litware | CloudFilter | 15 | not bound | MP-CLOUDFILTER | $52.50 |');
    expect(out).toContain('| (across customers) | SecureStore | 9 | service not mapped | not mapped | no price |');
    expect(out).not.toContain('<details>');
    expect(out).not.toMatch(/^(---|\+\+\+|@@)/m);
  });

  it('shows a small plan whole, by customer, with a subtotal for a customer with several changes', () => {
    const two = [action(1), { ...action(1), product: { id: 753, identifier: 'MP-SAFESEND' }, priceChange: -4 }];
    const out = renderMarkdown(plan([...two, action(2)]));
    expect(out).toContain('#### Changes (3)');
    expect(out).toContain(
      '| Customer 1 | CUST1 / Email Security | MP-CLOUDFILTER | 10 → 12 | $2.50 | +$5.00 | CloudFilter: 12 users in 2 user groups |\n|  |  | MP-SAFESEND | 10 → 12 | $2.50 | -$4.00 |',
    );
    expect(out).toContain('|  | **subtotal** |  |  |  | **+$1.00** | up +$5.00, down -$4.00 |\n| Customer 2 |');
    expect(out).toContain('**increases +$10.00 · decreases -$4.00 · net +$6.00 per billing cycle**');
    expect(out).not.toContain('<details>');
  });

  it('opens a big plan with one row per customer, biggest money first; every change folded last, after what is not billed', () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({
      customer: { id: i, name: `Unbound ${i}` },
      service: 'CloudFilter',
      users: 100 - i,
      product: 'MP-CLOUDFILTER',
      unitPrice: 1,
      why: 'unbound' as const,
    }));
    const actions = Array.from({ length: 40 }, (_, i) => ({ ...action(i), priceChange: i }));
    const out = renderMarkdown(plan(actions, { notBilled: rows }));
    const visible = outsideDetails(out);
    expect(visible).toContain('#### Changes: 40 for 40 customers');
    expect(visible).toContain('| customer | agreement | changes | increases | decreases | subtotal |');
    expect(visible.indexOf('| Customer 39 | CUST39 / Email Security | 1 | +$39.00 |  | +$39.00 |')).toBeLessThan(
      visible.indexOf('| Customer 38 |'),
    );
    expect(visible).toContain('| Customer 20 |');
    expect(visible).not.toContain('| Customer 19 |');
    expect(out).toContain('<details><summary>20 more customers with changes</summary>');
    for (let i = 0; i < 20; i++) expect(visible).toContain(`| Unbound ${i} |`);
    expect(visible).not.toContain('| Unbound 20 |');
    expect(out).toContain('<details><summary>5 more rows not billed</summary>\n\n| customer | service |');
    expect(out.indexOf('#### Every change (40)')).toBeGreaterThan(out.indexOf('#### Not billed'));
    expect(out).toContain('<details><summary>40 changes by customer, with unit prices and reasons</summary>');
    expect(out).toContain('| Customer 7 | CUST7 / Email Security | MP-CLOUDFILTER | 10 → 12 | $2.50 | +$7.00 |');
  });

  it('stamps the head commit, the usage read live or a snapshot with its age, and the fingerprint', () => {
    const head = 'a'.repeat(40);
    const live = renderMarkdown(plan([action(1)]), { headCommit: head, now: NOW });
    expect(live.trimEnd().split('\n').at(-1)).toBe(
      `<sub>Plan for head ${head} · <!-- cwsync:volatile -->usage read live from Mailprotector reseller 343 at 2026-11-26 02:17 UTC<!-- /cwsync:volatile --> · fingerprint sha256:abc · amounts in $ per billing cycle</sub>`,
    );
    const snap = renderMarkdown(
      plan([action(1)], {
        usage: { source: 'snapshot', capturedAt: '2026-11-25T02:00:00Z', label: 'snapshot usage.json' },
      }),
      { now: NOW },
    );
    expect(snap).toContain(
      'Plan for config at 9fceb02d0ae5 · <!-- cwsync:volatile -->usage from snapshot usage.json, captured 2026-11-25 02:00 UTC (29 hours old)',
    );
  });

  it('leaves only the usage time out of what two runs compare', () => {
    const a = renderMarkdown(plan([action(1)]), { headCommit: 'a'.repeat(40) });
    const later = plan([action(1)], {
      usage: {
        source: 'mailprotector',
        capturedAt: '2026-11-27T09:00:00Z',
        label: 'Mailprotector reseller 343',
        live: true,
      },
    });
    expect(stableText(renderMarkdown(later, { headCommit: 'a'.repeat(40) }))).toBe(stableText(a));
    expect(stableText(renderMarkdown(later, { headCommit: 'b'.repeat(40) }))).not.toBe(stableText(a));
  });

  it('makes text from configs and servers inert', () => {
    const a = { ...action(1), customer: 'A | B <details><script>x</script> *bold*' };
    const out = renderMarkdown(plan([a]));
    expect(out).toContain('| A \\| B &lt;details&gt;&lt;script&gt;x&lt;/script&gt; \\*bold\\* |');
    expect(out).not.toContain('<script>');
  });

  it('cuts at the limit outside any table or <details>, with a notice at the top and at the cut', () => {
    const big = plan(
      Array.from({ length: 2000 }, (_, i) => action(i)),
      { warnings: Array.from({ length: 30 }, (_, i) => ({ code: 'no-services' as const, message: `w${i}` })) },
    );
    const out = renderMarkdown(big, { artifactUrl: 'https://github.test/msp/cfg/actions/runs/7#artifacts' });
    expect(out.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(out).toContain('> This comment is cut at 60,000 characters');
    expect(out).toMatch(
      /> \*\*Cut here: \d+ more customers with changes not shown; also not shown: warnings, changes\.\*\* A comment holds at most 60,000 characters; the full plan is in \[the plan artifact\]\(https:\/\/github\.test\/msp\/cfg\/actions\/runs\/7#artifacts\)\./,
    );
    expect(out).toMatch(/\|\n\n<\/details>\n\n> \[!IMPORTANT\]\n> \*\*Cut here/);
    expect(out.trimEnd().endsWith('amounts in $ per billing cycle</sub>')).toBe(true);
  });

  it('without an artifact URL, points at the plan artifact of this run', () => {
    const out = renderMarkdown(plan(Array.from({ length: 300 }, (_, i) => action(i))), { limit: 5000 });
    expect(out.length).toBeLessThanOrEqual(5000);
    expect(out).toContain('the full plan is in the plan artifact of this run.');
  });
});

describe('failure comment', () => {
  it('quotes what the failed plan printed, without JSON log lines, colour or secrets, in a fence nothing closes', () => {
    const log = [
      '{"level":30,"time":1764123420000,"msg":"reading usage"}',
      '\u001b[31merror: ConnectWise list companies (GET /company/companies) failed with HTTP 401\u001b[0m',
      'fix: check CW_PRIVATE_KEY (was sandbox-private-key-123) ```',
    ].join('\n');
    const out = renderFailure(log, { stage: 'plan', headCommit: 'c'.repeat(40), secrets: ['sandbox-private-key-123'] });
    expect(out.split('\n')[0]).toBe('### cwsync plan: failed, nothing was planned');
    expect(out).toContain(
      '````text\nerror: ConnectWise list companies (GET /company/companies) failed with HTTP 401\nfix: check CW_PRIVATE_KEY (was [redacted]) ```\n````\n',
    );
    expect(out).not.toContain('"level"');
    expect(out).toContain(`<sub>For head ${'c'.repeat(40)}`);
    expect(renderFailure('config/customers.yaml:3:5: unknown key', { stage: 'validate' })).toMatch(
      /^### cwsync: the config is invalid\n/,
    );
  });
});

describe('json renderer', () => {
  it('round-trips the plan with the SPEC key order', () => {
    const p = plan([action(1)]);
    expect(JSON.parse(renderJson(p))).toEqual({ ...p, unmanaged: [] });
    expect(Object.keys(JSON.parse(renderJson(p)))).toEqual([
      'formatVersion',
      'createdAt',
      'source',
      'fingerprint',
      'summary',
      'actions',
      'conflicts',
      'warnings',
      'errors',
      'held',
      'usage',
      'scope',
      'safety',
      'notBilled',
      'unmanaged',
      'observed',
    ]);
  });

  it('in pieces (how plan --out writes it), the same text byte for byte, however the plan is shaped', () => {
    const bidi = 'Contoso\u202e moc.evil';
    const p = plan([action(1), action(2, 'create'), { ...action(3, 'cancel'), customer: bidi }, action(4)], {
      ...failing(),
      warnings: [{ code: 'unbound-customer', message: `"${bidi}" is not bound` }],
      notBilled: [
        {
          customer: { id: 7, name: bidi },
          service: 'CloudFilter',
          users: 3,
          product: null,
          unitPrice: null,
          why: 'unmapped',
        },
      ],
      observed: [
        { agreement: 1001, products: [752, 753], additions: [[5001, 752, 10]] },
        { agreement: 1002, products: [], additions: [] },
      ],
      unmanaged: [],
      scope: { customers: ['Contoso', bidi] },
      inputs: {
        bindings: [
          {
            customer: 'Contoso',
            where: 'config/customers.yaml:3',
            company: { id: 1, identifier: 'CONTOSO', name: bidi },
            agreement: { id: 1001, name: 'Email Security' },
            usage: { id: 11, name: 'Contoso', userGroups: [{ name: 'Staff', users: 10, services: ['CloudFilter'] }] },
          },
        ],
        products: [{ identifier: 'MP-CLOUDFILTER', id: 752, unitPrice: null }],
      },
      target: undefined,
    });
    for (const shaped of [p, plan([]), { ...p, unmanaged: undefined, inputs: { bindings: [], products: [] } }]) {
      const pieces = [...renderJsonPieces(shaped)];
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.join('')).toBe(renderJson(shaped));
    }
  });
});
