/**
 * A ConnectWise snapshot as the reconciler's billing target, read-only: names resolve by the
 * same rules as live (resolve.ts against the snapshot), lines come from the snapshot, and
 * every write throws. What the snapshot cannot know it says so, never guessing "none": a
 * catalog identifier not mapped when it was captured, the lines of an agreement not bound then.
 */
import type { Binding } from '../config/types.js';
import { CwsyncError } from '../errors.js';
import type {
  AgreementState,
  BilledLine,
  BillingTarget,
  CompanyRef,
  ListedAgreement,
  NewLine,
  TargetResolution,
  Unresolved,
} from '../reconcile/ports.js';
import { toAgreements, toCompanies } from './listing.js';
import { type ResolveOptions, resolveIn } from './resolve.js';
import { agreementState, toLine } from './target.js';
import { snapshotDirectory, type TargetSnapshot } from './target-snapshot.js';

/** A write attempted against a snapshot: a programming error, never a user's. */
export class SnapshotIsReadOnly extends CwsyncError {
  constructor(what: string) {
    super(`${what}: a plan made from a ConnectWise snapshot cannot be applied`, {
      hint: 'apply plans from live ConnectWise (the nightly does)',
    });
  }
}

export class SnapshotTarget implements BillingTarget {
  private readonly lineSets: Map<number, BilledLine[]>;
  private readonly captured: Set<string>;

  constructor(
    private readonly snapshot: TargetSnapshot,
    readonly label: string,
    private readonly options: ResolveOptions = {},
  ) {
    this.lineSets = new Map(snapshot.additions.map((a) => [a.agreementId, a.lines.map((l) => toLine(l))]));
    this.captured = new Set(snapshot.catalog.identifiers.map((i) => i.toLowerCase()));
  }

  async resolve(bindings: Binding[], productIdentifiers: string[]): Promise<TargetResolution> {
    const known = productIdentifiers.filter((i) => this.captured.has(i.toLowerCase()));
    const unknown: Unresolved[] = productIdentifiers
      .filter((i) => !this.captured.has(i.toLowerCase()))
      .map((i) => ({
        binding: null,
        message: `catalog identifier "${i}" is not in the ConnectWise snapshot (${this.label}, captured ${this.snapshot.capturedAt}): it was not mapped when the nightly captured it`,
        fix: 'the plan after merge reads it live; or plan this pull request with a read-only ConnectWise key (plan --read-only)',
      }));
    const r = await resolveIn(snapshotDirectory(this.snapshot), bindings, known, this.options);
    return { bindings: r.bindings, products: r.products, failures: [...r.failures, ...unknown] };
  }

  async lines(agreementId: number, productIds: number[]): Promise<BilledLine[]> {
    const wanted = new Set(productIds);
    return (await this.agreementLines(agreementId)).filter((l) => wanted.has(l.productId));
  }

  async agreementLines(agreementId: number): Promise<BilledLine[]> {
    const lines = this.lineSets.get(agreementId);
    if (!lines)
      throw new CwsyncError(
        `the ConnectWise snapshot (captured ${this.snapshot.capturedAt}) holds no additions of agreement ${agreementId}: it was not bound when the nightly captured it`,
        {
          hint: 'the plan after merge reads them live; or plan with a read-only ConnectWise key (plan --read-only), or capture with cwsync snapshot --all-agreements',
        },
      );
    return lines;
  }

  /** As captured: the snapshot holds open agreements of companies not deleted, so one missing is gone as far as it knows. */
  async agreement(agreementId: number): Promise<AgreementState | null> {
    const found = this.snapshot.agreements.find((a) => a.id === agreementId);
    if (!found) return null;
    const company = this.snapshot.companies.find((c) => c.id === found.company.id);
    return agreementState(found, company, company === undefined);
  }

  create(agreementId: number, _line: NewLine, _now: Date): Promise<{ id: number | null }> {
    return Promise.reject(new SnapshotIsReadOnly(`create a line on agreement ${agreementId}`));
  }

  setQuantity(agreementId: number, lineId: number, _quantity: number): Promise<void> {
    return Promise.reject(new SnapshotIsReadOnly(`update line ${lineId} on agreement ${agreementId}`));
  }

  /** As captured: open agreements and companies not deleted (import from a snapshot lists what it holds). */
  async listCompanies(): Promise<CompanyRef[]> {
    return toCompanies(this.snapshot.companies);
  }

  async listAgreements(): Promise<ListedAgreement[]> {
    return toAgreements(this.snapshot.agreements);
  }

  cancel(agreementId: number, lineId: number, _now: Date): Promise<void> {
    return Promise.reject(new SnapshotIsReadOnly(`cancel line ${lineId} on agreement ${agreementId}`));
  }

  async close(): Promise<void> {}
}
