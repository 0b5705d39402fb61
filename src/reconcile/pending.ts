/**
 * The creates whose outcome is unknown, as this run sees them: loaded from where the last run
 * left them, pruned of those a read has since settled, and written through on every change so a
 * kill loses none. A line in here is never created again until it has been seen, or has stayed
 * absent past the settle time (the request may still be on its way when the answer is lost).
 */
import type { PendingCreate, PendingCreates } from './ports.js';
import type { Plan } from './types.js';

/** 15 minutes: longer than any gateway or proxy holds a request it has given an answer for. */
const DEFAULT_SETTLE_MS = 15 * 60_000;

const key = (agreement: number, product: number) => `${agreement}/${product}`;

export class PendingLedger {
  private readonly entries = new Map<string, PendingCreate>();
  /** Set when the store could not be written: the run must stop writing. */
  failure: string | null = null;

  constructor(
    private readonly store: PendingCreates | undefined,
    readonly settleMs: number = DEFAULT_SETTLE_MS,
  ) {
    for (const p of store?.list() ?? []) this.entries.set(key(p.agreement, p.product), p);
  }

  get where(): string {
    return this.store?.where ?? 'this run only (no state directory)';
  }

  get(agreement: number, product: number): PendingCreate | undefined {
    return this.entries.get(key(agreement, product));
  }

  /** When the entry stops blocking a create if the line is still absent then. */
  until(p: PendingCreate): Date {
    return new Date(Date.parse(p.since) + this.settleMs);
  }

  settled(p: PendingCreate, now: Date): boolean {
    return this.until(p).getTime() <= now.getTime();
  }

  /** Returns why it could not be remembered, or null. */
  remember(p: PendingCreate): string | null {
    this.entries.set(key(p.agreement, p.product), p);
    return this.write();
  }

  forget(agreement: number, product: number): void {
    if (this.entries.delete(key(agreement, product))) this.write();
  }

  /**
   * Drops what the plan's own read settled: the line was seen open, or the agreement was read
   * after the settle time had passed and the line was still absent. A line the plan creates is
   * left to the create, which reads it again first and says what it found.
   */
  prune(plan: Pick<Plan, 'observed' | 'createdAt' | 'actions' | 'held'>): void {
    const readAt = Date.parse(plan.createdAt);
    const before = this.entries.size;
    const creating = new Set(
      [...plan.actions, ...plan.held]
        .filter((a) => a.action === 'create')
        .map((a) => key(a.agreement.id, a.product.id)),
    );
    for (const p of [...this.entries.values()]) {
      const seen = plan.observed.find((o) => o.agreement === p.agreement);
      if (!seen || creating.has(key(p.agreement, p.product))) continue;
      const open = seen.additions.some(([, product]) => product === p.product);
      if (open || readAt >= this.until(p).getTime()) this.entries.delete(key(p.agreement, p.product));
    }
    if (this.entries.size !== before) this.write();
  }

  private write(): string | null {
    if (!this.store) return null;
    try {
      this.store.save([...this.entries.values()]);
      return null;
    } catch (err) {
      this.failure = `the record of creates whose outcome is unknown could not be written to ${this.store.where} (${err instanceof Error ? err.message : String(err)})`;
      return this.failure;
    }
  }
}
