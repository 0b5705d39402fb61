/**
 * An in-memory billing target with fault switches, for testing apply's semantics in process:
 * every write is logged, and a fault can make a write fail before it lands, land and lose its
 * answer, or land only later (after the read-back), as a timeout or a reset would.
 */
import type { Binding } from '../../src/config/types.js';
import { NotUnderstood } from '../../src/errors.js';
import {
  type AgreementState,
  type BilledLine,
  type BillingTarget,
  type CompanyRef,
  type ListedAgreement,
  type NewLine,
  OutcomeUnknown,
  type ProductRef,
  type ResolvedBinding,
  type TargetResolution,
} from '../../src/reconcile/ports.js';

export type WriteKind = 'create' | 'setQuantity' | 'cancel';

export interface Fault {
  on: WriteKind | 'lines' | 'agreement';
  /** How many calls it affects (default 1). */
  times?: number;
  /**
   * fail: refused, nothing lands (a 4xx); unknown: nothing lands, the answer is lost (5xx, reset);
   * lost: it lands, the answer is lost (timeout after the server acted); late: nothing lands now,
   * it lands when `landLate()` is called (a request that arrives after the client gave up);
   * garbled: it lands, and the answer is one the adapter does not understand (a proxy's page after
   * the request went through), thrown as any adapter would: NotUnderstood, not translated.
   */
  kind: 'fail' | 'unknown' | 'lost' | 'late' | 'garbled';
  /** Only writes to this line (default: any). */
  line?: number;
  /** Let this many matching calls through first (default 0). */
  skip?: number;
}

export interface Write {
  kind: WriteKind;
  agreement: number;
  line?: number;
  quantity?: number;
  cancelledDate?: string;
}

export class MemoryTarget implements BillingTarget {
  readonly writes: Write[] = [];
  readonly faults: Fault[] = [];
  reads = 0;
  /**
   * Agreements as they stand now, by id; one not set here is derived from the resolution
   * (Active, company not deleted), so a test moves, cancels or deletes by setting it.
   */
  readonly agreementStore = new Map<number, AgreementState>();
  agreementReads = 0;
  private pendingLate: Array<() => void> = [];
  private nextId = 9000;

  constructor(
    readonly lineStore: Map<number, BilledLine[]>,
    readonly resolution: { bindings: ResolvedBinding[]; products: Map<string, ProductRef> } = {
      bindings: [],
      products: new Map(),
    },
  ) {}

  private fault(on: Fault['on'], line?: number): Fault | undefined {
    const f = this.faults.find((x) => x.on === on && (x.times ?? 1) > 0 && (x.line === undefined || x.line === line));
    if (f?.skip) {
      f.skip--;
      return undefined;
    }
    if (f) f.times = (f.times ?? 1) - 1;
    return f;
  }

  /** Runs a write through the fault switches: `land` makes the change. */
  private write(on: WriteKind, land: () => void, line?: number): void {
    const f = this.fault(on, line);
    if (!f) {
      land();
      return;
    }
    if (f.kind === 'fail') throw new Error(`${on} refused (HTTP 400)`);
    if (f.kind === 'lost' || f.kind === 'garbled') land();
    if (f.kind === 'late') this.pendingLate.push(land);
    if (f.kind === 'garbled')
      throw new NotUnderstood({
        from: { service: 'Acme Billing', method: on === 'create' ? 'POST' : 'PATCH', path: '/lines', label: on },
        expected: 'the line as JSON',
        got: 'HTTP 200 text/html, 812 bytes',
      });
    throw new OutcomeUnknown(`${on} got no answer`);
  }

  /** Lands the writes that were "still on the way". */
  landLate(): void {
    for (const land of this.pendingLate.splice(0)) land();
  }

  async resolve(bindings: Binding[], productIdentifiers: string[]): Promise<TargetResolution> {
    const products = new Map([...this.resolution.products].filter(([k]) => productIdentifiers.includes(k)));
    return {
      bindings: this.resolution.bindings.filter((r) => bindings.includes(r.binding)),
      products,
      failures: [],
    };
  }

  async lines(agreementId: number, productIds: number[]): Promise<BilledLine[]> {
    this.reads++;
    const f = this.fault('lines');
    if (f) throw new Error(`reading the lines of agreement ${agreementId} failed`);
    return (this.lineStore.get(agreementId) ?? [])
      .filter((l) => productIds.includes(l.productId))
      .map((l) => ({ ...l }));
  }

  async agreement(agreementId: number): Promise<AgreementState | null> {
    this.agreementReads++;
    if (this.fault('agreement')) throw new Error(`reading agreement ${agreementId} failed`);
    const stored = this.agreementStore.get(agreementId);
    if (stored) return structuredClone(stored);
    const r = this.resolution.bindings.find((b) => b.agreement.id === agreementId);
    if (!r) return null;
    return { ...r.agreement, status: 'Active', cancelled: false, company: { ...r.company, deleted: false } };
  }

  async agreementLines(agreementId: number): Promise<BilledLine[]> {
    this.reads++;
    const f = this.fault('lines');
    if (f) throw new Error(`reading the lines of agreement ${agreementId} failed`);
    return (this.lineStore.get(agreementId) ?? []).map((l) => ({ ...l }));
  }

  async create(agreementId: number, line: NewLine): Promise<{ id: number | null }> {
    this.writes.push({ kind: 'create', agreement: agreementId, quantity: line.quantity });
    const id = this.nextId++;
    this.write('create', () => {
      const all = this.lineStore.get(agreementId) ?? [];
      all.push({ id, productId: line.productId, quantity: line.quantity, unitPrice: null, cancelledDate: null });
      this.lineStore.set(agreementId, all);
    });
    return { id };
  }

  async setQuantity(agreementId: number, lineId: number, quantity: number): Promise<void> {
    this.writes.push({ kind: 'setQuantity', agreement: agreementId, line: lineId, quantity });
    this.write(
      'setQuantity',
      () => {
        const l = this.lineStore.get(agreementId)?.find((x) => x.id === lineId);
        if (!l) throw new Error(`no line ${lineId}`);
        l.quantity = quantity;
      },
      lineId,
    );
  }

  /** Every company and agreement the resolution names. */
  async listCompanies(): Promise<CompanyRef[]> {
    return [...new Map(this.resolution.bindings.map((b) => [b.company.id, b.company])).values()];
  }

  async listAgreements(): Promise<ListedAgreement[]> {
    const all = this.resolution.bindings.map((b) => ({ ...b.agreement, companyId: b.company.id }));
    return [...new Map(all.map((a) => [a.id, a])).values()];
  }

  async cancel(agreementId: number, lineId: number, now: Date): Promise<void> {
    // As of the run's day, 00:00 UTC: closed to a plan made the same day.
    const cancelledDate = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
    this.writes.push({ kind: 'cancel', agreement: agreementId, line: lineId, cancelledDate });
    this.write(
      'cancel',
      () => {
        const l = this.lineStore.get(agreementId)?.find((x) => x.id === lineId);
        if (!l) throw new Error(`no line ${lineId}`);
        l.cancelledDate = cancelledDate;
      },
      lineId,
    );
  }

  async close(): Promise<void> {}

  /** Open lines of a product on an agreement, for assertions. */
  open(agreementId: number, productId: number): BilledLine[] {
    return (this.lineStore.get(agreementId) ?? []).filter((l) => l.productId === productId && !l.cancelledDate);
  }
}
