/**
 * Never a duplicate (SPEC §3), over the in-memory target with fault switches: creates whose
 * outcome is unknown are remembered across runs, two writers racing leave one line, conflicts
 * need a human, and a run stops writing at its deadline or when its journal cannot be kept.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportJournal, recoverReport } from '../../src/cli/report-journal.js';
import type { Binding, Policy } from '../../src/config/types.js';
import { FilePendingCreates } from '../../src/git/pending-creates.js';
import { assess, issueBody } from '../../src/github/issue-body.js';
import { applyPlan, needsAttention } from '../../src/reconcile/apply.js';
import type { MatchedBinding } from '../../src/reconcile/match.js';
import type { BillingTarget, PendingCreate, PendingCreates } from '../../src/reconcile/ports.js';
import type { Plan } from '../../src/reconcile/types.js';
import { MemoryTarget } from '../helpers/memory-target.js';
import { billedLine, planOver } from '../helpers/plan-fixture.js';
import { tempDir } from '../helpers/temp.js';

const START = Date.parse('2026-11-26T02:17:00Z');
const POLICY: Policy = {
  createMissing: true,
  onZero: 'zero',
  safety: { maxChangePercent: 100, minManaged: 10, maxDecreasePercent: 50 },
};
const PRODUCTS = new Map([
  ['MP-CF', { id: 1, identifier: 'MP-CF', unitPrice: 2 }],
  ['MP-SS', { id: 2, identifier: 'MP-SS', unitPrice: 1 }],
]);
const CONFIG = { services: { CloudFilter: 'MP-CF', SafeSend: 'MP-SS' }, bundles: [], policy: POLICY };

function customer(n: number, cf: number, ss: number): MatchedBinding {
  const binding: Binding = {
    customer: `Customer ${n}`,
    company: `C${n}`,
    agreement: 'Email',
    overrides: {},
    source: { file: 'customers.yaml', line: n },
  };
  return {
    resolved: {
      binding,
      company: { id: n, identifier: `C${n}`, name: `Customer ${n}` },
      agreement: { id: 100 + n, name: 'Email' },
    },
    usage: {
      id: n,
      name: `Customer ${n}`,
      userGroups: [
        { name: 'A', users: cf, services: ['CloudFilter'] },
        { name: 'B', users: ss, services: ['SafeSend'] },
      ],
    },
  };
}

const line = billedLine;

/** A clock the test moves by hand. */
function clockAt(ms = START) {
  let now = ms;
  return {
    now: () => new Date(now),
    advance: (minutes: number) => {
      now += minutes * 60_000;
    },
  };
}

function planFrom(target: MemoryTarget, matched: MatchedBinding[], at: Date): Plan {
  return planOver(target, { config: CONFIG, matched, products: PRODUCTS, now: at });
}

/** What a clone keeps between runs, in memory. */
function memoryStore(): PendingCreates & { entries: PendingCreate[] } {
  const store = {
    where: '.git/cwsync/pending-creates.json',
    entries: [] as PendingCreate[],
    list: () => store.entries.map((e) => ({ ...e })),
    save: (p: PendingCreate[]) => {
      store.entries = p.map((e) => ({ ...e }));
    },
  };
  return store;
}

function run(target: BillingTarget, plan: Plan, clock: { now: () => Date }, extra = {}) {
  return applyPlan(target, plan, POLICY, {
    now: clock.now(),
    concurrency: 4,
    force: false,
    actor: null,
    clock: clock.now,
    ...extra,
  });
}

const creates = (t: MemoryTarget) => t.writes.filter((w) => w.kind === 'create').length;

describe('a create whose outcome is unknown is remembered across runs', () => {
  it('the late 504: an immediate re-run waits and creates nothing, a later one sees the line: exactly one line', async () => {
    const target = new MemoryTarget(new Map([[101, [line(1, 1, 10)]]]));
    const usage = [customer(1, 10, 7)];
    const store = memoryStore();
    const clock = clockAt();
    target.faults.push({ on: 'create', kind: 'late' }); // the gateway answers 504; the backend lands it later

    const first = await run(target, planFrom(target, usage, clock.now()), clock, { pending: store });
    expect(first.results.map((r) => r.status)).toEqual(['unknown']);
    expect(first.results[0]!.error).toContain('no run creates this line again until it is seen or 15 minutes');
    expect(first.results[0]!.error).not.toMatch(/\bsafe\b/);
    expect(store.entries).toEqual([{ agreement: 101, product: 2, quantity: 7, since: '2026-11-26T02:17:00Z' }]);

    clock.advance(1);
    const immediate = await run(target, planFrom(target, usage, clock.now()), clock, { pending: store });
    expect(immediate.results.map((r) => r.status)).toEqual(['unknown']);
    expect(immediate.results[0]!.error).toMatch(/^waiting: an earlier create of this line \(at 2026-11-26T02:17:00Z\)/);
    expect(needsAttention(immediate)).toBe(true);
    expect(creates(target)).toBe(1);

    target.landLate(); // the backend gets to it
    clock.advance(3);
    const planBefore = planFrom(target, usage, clock.now());
    expect(planBefore.actions).toEqual([]);
    const later = await run(target, planBefore, clock, { pending: store });
    expect(later.summary.applied + later.summary.unknown).toBe(0);
    expect(store.entries).toEqual([]);
    expect(creates(target)).toBe(1);
    expect(target.open(101, 2)).toHaveLength(1);
  });

  it('a plan made before the late create landed, applied after: read again before creating, not created twice', async () => {
    const target = new MemoryTarget(new Map([[101, []]]));
    const usage = [customer(1, 0, 7)];
    const store = memoryStore();
    const clock = clockAt();
    target.faults.push({ on: 'create', kind: 'late' });
    await run(target, planFrom(target, usage, clock.now()), clock, { pending: store });
    clock.advance(30); // past the settle time, but the line has landed meanwhile
    const stale = planFrom(target, usage, clock.now());
    target.landLate();
    const report = await run(target, stale, clock, { pending: store });
    expect(report.results.map((r) => [r.status, r.note])).toEqual([
      [
        'skipped',
        'the earlier create of this line (at 2026-11-26T02:17:00Z), whose outcome was unknown, has landed as line 9000: not created again',
      ],
    ]);
    expect(creates(target)).toBe(1);
    expect(target.open(101, 2)).toHaveLength(1);
    expect(store.entries).toEqual([]);
  });

  it('an answer the adapter did not understand, from whatever billing system: read back, never a clean failure, never created twice', async () => {
    const target = new MemoryTarget(new Map([[101, []]]));
    const usage = [customer(1, 0, 7)];
    const store = memoryStore();
    const clock = clockAt();
    target.faults.push({ on: 'create', kind: 'garbled' }); // it landed; the answer was a proxy's page
    const first = await run(target, planFrom(target, usage, clock.now()), clock, { pending: store });
    // Read back rather than believed failed: the line it may have made is found and reported.
    expect(first.results.map((r) => [r.status, r.resultAdditionId, r.note])).toEqual([
      ['applied', 9000, 'confirmed by reading it back after the answer was lost'],
    ]);
    clock.advance(1);
    const again = await run(target, planFrom(target, usage, clock.now()), clock, { pending: store });
    expect(again.summary.failed).toBe(0);
    expect(creates(target)).toBe(1);
    expect(target.open(101, 2)).toHaveLength(1);
  });

  it('an update answered with something not understood is read back: applied when it landed, never a clean failure', async () => {
    const target = new MemoryTarget(new Map([[101, [line(1, 2, 5)]]]));
    const clock = clockAt();
    target.faults.push({ on: 'setQuantity', kind: 'garbled' });
    const report = await run(target, planFrom(target, [customer(1, 0, 7)], clock.now()), clock, {
      pending: memoryStore(),
    });
    expect(report.results.map((r) => [r.status, r.note])).toEqual([
      ['applied', 'confirmed by reading it back after the answer was lost'],
    ]);
    expect(target.writes.filter((w) => w.kind === 'setQuantity')).toHaveLength(1);
  });

  it('one that never lands is created again only after the settle time has passed with it absent', async () => {
    const target = new MemoryTarget(new Map([[101, []]]));
    const usage = [customer(1, 0, 7)];
    const store = memoryStore();
    const clock = clockAt();
    target.faults.push({ on: 'create', kind: 'unknown' }); // reset before it reached the backend
    await run(target, planFrom(target, usage, clock.now()), clock, { pending: store, settleMs: 10 * 60_000 });
    clock.advance(9);
    const early = await run(target, planFrom(target, usage, clock.now()), clock, {
      pending: store,
      settleMs: 10 * 60_000,
    });
    expect(early.results[0]!.status).toBe('unknown');
    expect(creates(target)).toBe(1);
    clock.advance(2);
    const settled = await run(target, planFrom(target, usage, clock.now()), clock, {
      pending: store,
      settleMs: 10 * 60_000,
    });
    expect(settled.results[0]!.status).toBe('applied');
    expect(settled.results[0]!.note).toMatch(/stayed absent past the settle time, so it was created now/);
    expect(creates(target)).toBe(2);
    expect(target.open(101, 2)).toHaveLength(1);
    expect(store.entries).toEqual([]);
  });

  it('is kept in a file the next process finds, written whole; a file it cannot read stops the run before any write', () => {
    const dir = join(tempDir('cwsync-state-'), 'cwsync');
    const first = new FilePendingCreates(dir);
    expect(first.list()).toEqual([]);
    const entry = { agreement: 101, product: 2, quantity: 7, since: '2026-11-26T02:17:00Z' };
    first.save([entry]);
    expect(new FilePendingCreates(dir).list()).toEqual([entry]);
    writeFileSync(join(dir, 'pending-creates.json'), '{"formatVersion":1,"pending":[{"agreement":"x"}]}');
    expect(() => new FilePendingCreates(dir)).toThrow(
      `the record of creates whose outcome is unknown, ${join(dir, 'pending-creates.json')}, holds an entry that is not understood; nothing was written`,
    );
  });
});

/** Two writers on one billing system: every call yields a seeded number of turns, so they interleave. */
function racing(target: MemoryTarget, seed: number): BillingTarget {
  let s = seed;
  const turns = async () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    for (let i = 0; i < s % 6; i++) await new Promise((r) => setImmediate(r));
  };
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A) => {
      await turns();
      const r = await fn(...a);
      await turns();
      return r;
    };
  return {
    resolve: wrap(target.resolve.bind(target)),
    agreement: wrap(target.agreement.bind(target)),
    agreementLines: wrap(target.agreementLines.bind(target)),
    lines: wrap(target.lines.bind(target)),
    create: wrap(target.create.bind(target)),
    setQuantity: wrap(target.setQuantity.bind(target)),
    cancel: wrap(target.cancel.bind(target)),
    listCompanies: wrap(target.listCompanies.bind(target)),
    listAgreements: wrap(target.listAgreements.bind(target)),
    close: async () => {},
  };
}

describe('two writers that race anyway leave no duplicate open', () => {
  it('two applies of one plan from two clones over 30 customers: zero duplicates, every line once', async () => {
    for (const seed of [1, 7, 42]) {
      const target = new MemoryTarget(new Map(Array.from({ length: 30 }, (_, i) => [101 + i, [line(i + 1, 1, 5)]])));
      const usage = Array.from({ length: 30 }, (_, i) => customer(i + 1, 5, 3 + i));
      const clock = clockAt();
      const plan = planFrom(target, usage, clock.now());
      expect(plan.actions.filter((a) => a.action === 'create')).toHaveLength(30);
      const [a, b] = await Promise.all([
        run(racing(target, seed), plan, clock, { pending: memoryStore() }),
        run(racing(target, seed * 31 + 5), plan, clock, { pending: memoryStore() }),
      ]);
      for (let i = 0; i < 30; i++) expect(target.open(101 + i, 2)).toHaveLength(1);
      expect(planFrom(target, usage, clock.now()).conflicts).toEqual([]);
      const made = [...a.results, ...b.results];
      expect(made.every((r) => r.status === 'applied' || r.status === 'skipped')).toBe(true);
      // Every create either made the line, found it made, or cancelled its own twin.
      expect(made.filter((r) => r.status === 'applied')).toHaveLength(30);
    }
  });

  it("of two lines created at once, the newer one (this run's) is cancelled and reported; the oldest is kept", async () => {
    const target = new MemoryTarget(new Map([[101, []]]));
    const plan = planFrom(target, [customer(1, 0, 7)], new Date(START));
    // Another writer's create lands between this run's read-before and its create.
    const sneaky: BillingTarget = {
      ...racing(target, 1),
      create: async (agreement, newLine) => {
        await target.create(agreement, newLine);
        return target.create(agreement, newLine);
      },
    };
    const report = await run(sneaky, plan, clockAt());
    expect(report.results.map((r) => [r.status, r.note])).toEqual([
      [
        'skipped',
        'created line 9001, but another writer created line 9000 of this product at the same time, so this run cancelled its own (9001) and kept the oldest (9000)',
      ],
    ]);
    expect(target.open(101, 2).map((l) => l.id)).toEqual([9000]);
  });

  it('a line another writer made since the plan is not created again', async () => {
    const target = new MemoryTarget(new Map([[101, []]]));
    const plan = planFrom(target, [customer(1, 0, 7)], new Date(START));
    target.lineStore.get(101)!.push(line(77, 2, 7));
    const report = await run(target, plan, clockAt());
    expect(report.results.map((r) => r.status)).toEqual(['skipped']);
    expect(report.results[0]!.note).toContain('an open line of this product appeared since the plan was made (line 77');
    expect(creates(target)).toBe(0);
  });
});

describe('conflicts and the run deadline', () => {
  it('two open lines of one product: never touched, exit 1, and the nightly issue names both additions', async () => {
    const target = new MemoryTarget(new Map([[101, [line(5, 1, 10), line(6, 1, 10), line(7, 2, 3)]]]));
    const plan = planFrom(target, [customer(1, 12, 3)], new Date(START));
    const report = await run(target, plan, clockAt());
    expect(report.skipped.map((c) => c.additionIds)).toEqual([[5, 6]]);
    expect(target.writes).toEqual([]);
    expect(needsAttention(report)).toBe(true);
    const facts = { report, plan, unreadable: [], steps: [], logTail: [], now: new Date(START) };
    const a = assess(facts);
    expect(a.needsHuman).toBe(true);
    expect(a.headline).toBe('Needs a human: 1 conflict.');
    expect(issueBody(a, facts, {})).toContain('Customer 1 / Email / MP-CF: lines 5 and 6 are both open');
  });

  it('past the deadline nothing more is written: the rest is reported not attempted, exit 1', async () => {
    const target = new MemoryTarget(new Map(Array.from({ length: 6 }, (_, i) => [101 + i, [line(i + 1, 1, 5)]])));
    const plan = planFrom(
      target,
      Array.from({ length: 6 }, (_, i) => customer(i + 1, 9, 0)),
      new Date(START),
    );
    const clock = clockAt();
    // Each write waits out a Retry-After of 119 s before it is served.
    const slow: BillingTarget = {
      ...racing(target, 3),
      setQuantity: async (...a) => {
        clock.advance(119 / 60);
        return target.setQuantity(...a);
      },
    };
    const report = await run(slow, plan, clock, { concurrency: 1, deadlineAt: START + 5 * 60_000 });
    expect(report.results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'failed',
      'failed',
      'failed',
    ]);
    expect(report.results[3]!.error).toBe(
      "not attempted: the run's deadline (--max-duration) passed at 2026-11-26T02:22:00Z; nothing more was written (the next run does it)",
    );
    expect(report.stopped).toContain("the run's deadline");
    expect(target.writes).toHaveLength(3);
    expect(needsAttention(report)).toBe(true);
  });
});

describe('the report is a journal', () => {
  const head = {
    formatVersion: 1 as const,
    startedAt: '2026-11-26T02:17:00Z',
    fingerprint: 'sha256:x',
    source: { commit: 'abc', dirty: false },
    scope: null,
    forced: false,
    actor: null,
  };

  it('each action is on disk as it ends: a run killed midway leaves what it did, the finished file is the report', async () => {
    const dir = tempDir('cwsync-journal-');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'report.json');
    const target = new MemoryTarget(new Map([[101, [line(1, 1, 5)]]]));
    const plan = planFrom(target, [customer(1, 9, 4)], new Date(START));
    const journal = new ReportJournal(path, head);
    const seen: string[] = [];
    const report = await run(target, plan, clockAt(), {
      onResult: (r: Parameters<typeof journal.result>[0]) => {
        journal.result(r);
        seen.push(readFileSync(path, 'utf8'));
      },
    });
    // As if killed after the first action: the file then read back holds it.
    expect(recoverReport(seen[0]!)?.results.map((r) => `${r.action} ${r.status}`)).toEqual([
      `${report.results[0]!.action} applied`,
    ]);
    expect(recoverReport(seen[0]!)?.stopped).toMatch(/ended before its report was finished/);
    journal.finish(report);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      summary: report.summary,
      results: expect.arrayContaining(report.results.map((r) => expect.objectContaining({ status: r.status }))),
    });
  });

  it('a full disk stops the run before its next write, and says so', async () => {
    const target = new MemoryTarget(new Map([[101, [line(1, 1, 5)]]]));
    const plan = planFrom(target, [customer(1, 9, 4)], new Date(START));
    const journal = new ReportJournal('/dev/full', head);
    const report = await run(target, plan, clockAt(), { stop: () => journal.failure });
    expect(target.writes).toEqual([]);
    expect(report.results.map((r) => r.error)).toEqual([
      'not attempted: the report could not be written (no space left on the device); nothing more was written (the next run does it)',
      'not attempted: the report could not be written (no space left on the device); nothing more was written (the next run does it)',
    ]);
    expect(() => journal.finish(report)).toThrow('--report /dev/full: the report could not be written');
  });
});
