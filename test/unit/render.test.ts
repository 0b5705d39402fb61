import { afterEach, describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/output.js';
import type { Action, Plan } from '../../src/reconcile/types.js';
import { renderJson } from '../../src/render/json.js';
import { MARKDOWN_LIMIT, renderMarkdown } from '../../src/render/markdown.js';
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
const plan = (actions: Action[]): Plan => ({
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
    held: 0,
    errors: 0,
    priceChange: 0,
    notBilled: { users: 0, value: 0 },
  },
  actions,
  conflicts: [],
  warnings: [],
  errors: [],
  held: [],
  usage: { source: 'mailprotector', capturedAt: '2026-11-26T02:17:00Z', label: 'Mailprotector reseller 343' },
  scope: null,
  safety: { managed: 20, changes: actions.length, refusal: null },
  notBilled: [],
  observed: [],
});

describe('text renderer', () => {
  it('puts the verdict first and a unified diff per agreement; create and cancel read plainly', () => {
    const out = renderText(plan([action(1), action(2, 'create'), action(3, 'cancel')]), { color: false });
    expect(out.split('\n')[0]).toBe(
      '3 changes on 3 agreements (1 to create, 1 to update, 1 to cancel, 3 unchanged, 0 conflicts)',
    );
    expect(out).toContain('@@ -0,0 +1,1 @@\n+MP-CLOUDFILTER: 12\n');
    expect(out).toContain('-MP-CLOUDFILTER: 10\n+MP-CLOUDFILTER: cancelled\n');
    expect(out).not.toContain('\u001b[');
  });

  it('colours only when asked', () => {
    expect(renderText(plan([action(1)]), { color: true })).toContain('\u001b[32m+MP-CLOUDFILTER: 12\u001b[0m');
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
  it('stays under 60,000 characters, with a notice when cut', () => {
    const big = plan(Array.from({ length: 2000 }, (_, i) => action(i)));
    const out = renderMarkdown(big);
    expect(out.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(out).toMatch(
      /_… \d+ more sections not shown: the plan is too long for a comment\. See the job summary or the JSON plan artifact\._/,
    );
    expect(out.startsWith('### cwsync plan: 2000 changes on 2000 agreements\n\n| create |')).toBe(true);
    expect(out.trimEnd().endsWith('Fingerprint `sha256:abc` · config at `9fceb02d0ae5`')).toBe(true);
  });

  it('shows everything when it fits, and escapes table cells', () => {
    const a = { ...action(1), reason: 'a | b' };
    const out = renderMarkdown(plan([a]));
    expect(out).toContain('| update | MP-CLOUDFILTER | 10 | 12 | a \\| b |');
    expect(out).not.toContain('not shown');
  });
});

describe('json renderer', () => {
  it('round-trips the plan with the SPEC key order', () => {
    const p = plan([action(1)]);
    expect(JSON.parse(renderJson(p))).toEqual(p);
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
      'observed',
    ]);
  });
});
