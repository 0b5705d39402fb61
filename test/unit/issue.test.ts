/** The nightly issue's decisions and body, against a fake GitHub API on loopback. */
import { afterEach, describe, expect, it } from 'vitest';
import { type IssueClient as Client, IssueClient, syncNightlyIssue } from '../../src/github/issue.js';
import { assess, issueBody, md, type RunFacts } from '../../src/github/issue-body.js';
import type { ApplyReport } from '../../src/reconcile/apply.js';
import { type FakeServer, json, startServer } from '../../src/sandbox/harness.js';

let server: FakeServer | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

const action = {
  action: 'update' as const,
  customer: 'Fabrikam | Inc',
  company: { id: 1, identifier: 'FAB' },
  agreement: { id: 2, name: 'Managed Email' },
  product: { id: 3, identifier: 'MP-CLOUDFILTER' },
  additionId: 9,
  before: 120,
  after: 30,
  reason: 'CloudFilter: 30 users',
  unitPrice: 3.5,
  priceChange: -315,
};

function report(over: Partial<ApplyReport> = {}): ApplyReport {
  return {
    formatVersion: 1,
    startedAt: '2026-11-26T02:17:00Z',
    finishedAt: '2026-11-26T02:18:00Z',
    fingerprint: 'sha256:x',
    source: { commit: '0123456789abcdef', dirty: false },
    scope: null,
    forced: false,
    actor: null,
    summary: { applied: 2, failed: 0, unknown: 0, held: 0, skipped: 0, errors: 0 },
    results: [],
    skipped: [],
    errors: [],
    warnings: [],
    ...over,
  };
}

const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  unreadable: [],
  steps: [],
  logTail: [],
  now: new Date('2026-11-26T02:20:00Z'),
  report: report(),
  ...over,
});

describe('assess', () => {
  it('a clean full run needs no human; held, errors, a refusal or a failed job each do', () => {
    expect(assess(facts()).needsHuman).toBe(false);
    const held = report({ results: [{ ...action, status: 'held', held: '75 % decrease' }] });
    expect(assess(facts({ report: held }))).toMatchObject({
      needsHuman: true,
      headline: 'Needs a human: 1 held change.',
    });
    const errors = report({
      errors: [{ customer: 'X', where: 'config/customers.yaml:12', message: 'no company', fix: 'check' }],
    });
    expect(assess(facts({ report: errors })).needsHuman).toBe(true);
    const refused = assess(facts({ report: undefined, steps: [{ name: 'apply', code: 3 }] }));
    expect(refused.stop).toBe('`apply` exited 3 (refused before any write)');
    expect(assess(facts({ jobStatus: 'failure' })).stop).toContain('outside cwsync');
    expect(assess(facts({ steps: [{ name: 'apply', code: null }] })).needsHuman).toBe(false);
  });

  it('the body escapes markdown, names file:line and fix, tells how to approve, and stays under the limit', () => {
    const r = report({
      results: Array.from({ length: 3000 }, (_, i) => ({
        ...action,
        agreement: { id: i, name: `A${i}` },
        status: 'held' as const,
        held: 'x'.repeat(40),
      })),
      errors: [
        { customer: 'X', where: 'config/customers.yaml:12', message: 'no company <b>', fix: 'did you mean FABRIKAM?' },
      ],
    });
    const body = issueBody(assess(facts({ report: r })), facts({ report: r }), { runUrl: 'https://github.test/r/1' });
    expect(body).toContain('- `config/customers.yaml:12` X: no company \\<b\\> — fix: did you mean FABRIKAM?');
    expect(body).toContain('Fabrikam \\| Inc');
    expect(body).toContain('`customers` set to `Fabrikam | Inc`');
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect(body).toContain('… cut: the list is longer than an issue can hold');
    expect(md('@team')).toBe('@\u200bteam');
  });

  it('a held create reads "new → N", as in the plan and the apply report (not "0 → N")', () => {
    const r = report({
      results: [
        {
          ...action,
          action: 'create' as const,
          additionId: null,
          before: null,
          after: 6000,
          status: 'held' as const,
          held: 'over maxQuantity',
        },
      ],
    });
    const body = issueBody(assess(facts({ report: r })), facts({ report: r }), { runUrl: 'https://github.test/r/1' });
    expect(body).toContain('| MP-CLOUDFILTER | new → 6000 | over maxQuantity |');
  });
});

describe('syncNightlyIssue', () => {
  it('a personal token is asked who it is; a changed problem updates the body and comments, the same one only the body', async () => {
    const issue = { number: 5, body: '', state: 'open', user: { login: 'ops-bot' } };
    const other = { number: 6, body: '<!-- cwsync:nightly-issue -->', state: 'open', user: { login: 'alice' } };
    const log: string[] = [];
    server = await startServer((req) => {
      log.push(`${req.method} ${req.path}`);
      if (req.path === '/user') return json(200, { login: 'ops-bot' });
      if (req.method === 'GET')
        return json(
          200,
          [other, issue].filter((i) => i.user.login === req.query.get('creator')),
        );
      if (req.method === 'PATCH') {
        Object.assign(issue, req.body);
        return json(200, issue);
      }
      return json(201, { number: 5 });
    });
    client = new IssueClient({ token: 't', repository: 'o/r', apiUrl: server.origin }, undefined, { baseDelayMs: 1 });
    issue.body = '<!-- cwsync:nightly-issue -->\n<!-- cwsync:digest old -->';
    const held = report({ results: [{ ...action, status: 'held', held: '75 %' }] });
    expect(await syncNightlyIssue(client, facts({ report: held }))).toEqual({ kind: 'updated', number: 5 });
    expect(log.filter((l) => l.startsWith('POST'))).toEqual(['POST /repos/o/r/issues/5/comments']);
    log.length = 0;
    expect(await syncNightlyIssue(client, facts({ report: held, now: new Date('2026-11-27T02:20:00Z') }))).toEqual({
      kind: 'updated',
      number: 5,
    });
    expect(log.filter((l) => l.startsWith('POST'))).toEqual([]);
    log.length = 0;
    expect(await syncNightlyIssue(client, facts({ report: held, now: new Date('2026-11-27T02:20:00Z') }))).toEqual({
      kind: 'unchanged',
      number: 5,
    });
    expect(log.filter((l) => !l.startsWith('GET'))).toEqual([]);
    expect(other.body).toBe('<!-- cwsync:nightly-issue -->');
  });
});

describe('the nightly issue in a public repository', () => {
  it('is refused (exit 3) before anything is written, unless allowed', async () => {
    const seen: string[] = [];
    server = await startServer((req) => {
      seen.push(`${req.method} ${req.path}`);
      return json(200, { private: false, visibility: 'public' });
    });
    client = new IssueClient({ token: 't', repository: 'o/r', apiUrl: server.origin }, undefined, { baseDelayMs: 1 });
    const err = await client.refusePublic(false).catch((e: unknown) => e);
    expect((err as { exitCode?: number }).exitCode).toBe(3);
    expect(String((err as Error).message)).toContain('o/r is a public repository: cwsync notify would publish');
    expect(seen).toEqual(['GET /repos/o/r']);
    await expect(client.refusePublic(true)).resolves.toBeUndefined();
    expect(seen).toHaveLength(1);
  });
});
