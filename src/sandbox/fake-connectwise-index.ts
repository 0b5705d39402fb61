/**
 * The fake ConnectWise's lookups by id, kept in step with its world: rebuilt when a test adds or
 * removes records (counts differ), updated in place when the fake itself creates an addition.
 */
import { toAddition, toAgreement } from './fake-connectwise-records.js';
import type { CwAddition, CwAgreement, CwCompany, CwWorld } from './world.js';

export class CwIndex {
  private companyById = new Map<number, CwCompany>();
  private agreementById = new Map<number, CwAgreement>();
  private additionsByAgreement = new Map<number, CwAddition[]>();
  private indexed = { companies: -1, agreements: -1, additions: -1 };
  // The catalog is small and rarely changes; rebuilt when a test reshapes it.
  private catalogIndex = { size: -1, map: new Map<number, CwWorld['catalog'][number]>() };

  constructor(private readonly world: CwWorld) {}

  /** Rebuilds what a test changed since the last request. */
  refresh(): void {
    const { world, indexed } = this;
    if (indexed.companies !== world.companies.length) this.companyById = new Map(world.companies.map((c) => [c.id, c]));
    if (indexed.agreements !== world.agreements.length)
      this.agreementById = new Map(world.agreements.map((a) => [a.id, a]));
    if (indexed.additions !== world.additions.length) {
      this.additionsByAgreement = new Map();
      for (const a of world.additions) {
        const own = this.additionsByAgreement.get(a.agreementId) ?? [];
        own.push(a);
        this.additionsByAgreement.set(a.agreementId, own);
      }
    }
    this.indexed = {
      companies: world.companies.length,
      agreements: world.agreements.length,
      additions: world.additions.length,
    };
  }

  agreement(id: number): CwAgreement | undefined {
    return this.agreementById.get(id);
  }

  additionsOf(agreementId: number): CwAddition[] {
    return this.additionsByAgreement.get(agreementId) ?? [];
  }

  /** An addition the fake just pushed to the world. */
  added(made: CwAddition): void {
    this.additionsByAgreement.set(made.agreementId, [...this.additionsOf(made.agreementId), made]);
    this.indexed.additions = this.world.additions.length;
  }

  private catalogById() {
    if (this.catalogIndex.size !== this.world.catalog.length)
      this.catalogIndex = { size: this.world.catalog.length, map: new Map(this.world.catalog.map((c) => [c.id, c])) };
    return this.catalogIndex.map;
  }

  agreementRecord(a: CwAgreement) {
    return toAgreement(a, this.companyById.get(a.companyId));
  }

  additionRecord(a: CwAddition) {
    return toAddition(a, this.catalogById().get(a.productId), this.agreementById.get(a.agreementId));
  }
}
