/**
 * A billing system held in a JSON file (state.ts): the second implementation of the
 * `BillingTarget` port, plugged in through the registry like ConnectWise. Names resolve by the
 * same rules (company by identifier in any case, else exact name; agreement by name within its
 * company, or by id; catalogue item by identifier, active only), and every write goes through
 * to the file before it returns.
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
  ProductRef,
  ResolvedBinding,
  TargetResolution,
  Unresolved,
} from '../reconcile/ports.js';
import { isoSeconds } from '../time.js';
import { type MemoryState, saveState } from './state.js';

type Company = MemoryState['companies'][number];
type Line = MemoryState['lines'][number];

const toLine = (l: Line): BilledLine => ({
  id: l.id,
  productId: l.productId,
  quantity: l.quantity,
  unitPrice: l.unitPrice ?? null,
  cancelledDate: l.cancelledDate ?? null,
});

export class InMemoryTarget implements BillingTarget {
  constructor(
    private readonly state: MemoryState,
    /** Where writes go through to; undefined keeps them in memory only. */
    private readonly path?: string,
    private readonly options: { agreementStatuses?: readonly string[] } = {},
  ) {}

  private companyOf(ref: string): Company[] {
    const live = this.state.companies.filter((c) => !c.deleted);
    const byIdentifier = live.filter((c) => c.identifier.toLowerCase() === ref.toLowerCase());
    return byIdentifier.length > 0 ? byIdentifier.slice(0, 1) : live.filter((c) => c.name === ref);
  }

  private resolveOne(b: Binding): ResolvedBinding | Unresolved {
    const companies = this.companyOf(b.company);
    if (companies.length !== 1)
      return {
        binding: b,
        message:
          companies.length === 0
            ? `no company has the identifier or exact name "${b.company}"`
            : `company name "${b.company}" matches ${companies.length} companies; use the identifier instead`,
      };
    const company = companies[0]!;
    const ref = b.agreement;
    const agreements = this.state.agreements.filter(
      (a) => !a.cancelled && a.companyId === company.id && (typeof ref === 'string' ? a.name === ref : a.id === ref.id),
    );
    const where = typeof ref === 'string' ? `named "${ref}"` : `with id ${ref.id}`;
    if (agreements.length !== 1)
      return {
        binding: b,
        company: { id: company.id },
        message: `${agreements.length === 0 ? 'no' : agreements.length} open agreement${agreements.length > 1 ? 's' : ''} ${where} under ${company.identifier}`,
      };
    const a = agreements[0]!;
    const allowed = this.options.agreementStatuses ?? ['Active'];
    if (!allowed.includes(a.status ?? 'Active'))
      return {
        binding: b,
        message: `agreement "${a.name}" (id ${a.id}) under ${company.identifier} is ${a.status}; policy.agreementStatuses allows ${allowed.join(', ')}`,
      };
    const { id, identifier, name } = company;
    return { binding: b, company: { id, identifier, name }, agreement: { id: a.id, name: a.name } };
  }

  async resolve(bindings: Binding[], productIdentifiers: string[]): Promise<TargetResolution> {
    const results = bindings.map((b) => this.resolveOne(b));
    const products = new Map<string, ProductRef>();
    const failures = results.filter((r): r is Unresolved => !('agreement' in r));
    for (const identifier of productIdentifiers) {
      const item = this.state.products.find((p) => p.identifier === identifier && !p.inactive);
      if (item) products.set(identifier, { id: item.id, identifier, unitPrice: item.unitPrice ?? null });
      else failures.push({ binding: null, message: `no active catalogue item has the identifier "${identifier}"` });
    }
    return { bindings: results.filter((r): r is ResolvedBinding => 'agreement' in r), products, failures };
  }

  async lines(agreementId: number, productIds: number[]): Promise<BilledLine[]> {
    return (await this.agreementLines(agreementId)).filter((l) => productIds.includes(l.productId));
  }

  async agreementLines(agreementId: number): Promise<BilledLine[]> {
    return this.state.lines.filter((l) => l.agreementId === agreementId).map(toLine);
  }

  async agreement(agreementId: number): Promise<AgreementState | null> {
    const a = this.state.agreements.find((x) => x.id === agreementId);
    if (!a) return null;
    const c = this.state.companies.find((x) => x.id === a.companyId);
    const company = c
      ? { id: c.id, identifier: c.identifier, name: c.name, deleted: c.deleted === true }
      : { id: a.companyId, identifier: '', name: '', deleted: true };
    return { id: a.id, name: a.name, status: a.status ?? 'Active', cancelled: a.cancelled === true, company };
  }

  async listCompanies(): Promise<CompanyRef[]> {
    return this.state.companies.filter((c) => !c.deleted).map(({ id, identifier, name }) => ({ id, identifier, name }));
  }

  async listAgreements(): Promise<ListedAgreement[]> {
    return this.state.agreements
      .filter((a) => !a.cancelled)
      .map((a) => ({ id: a.id, name: a.name, companyId: a.companyId, ...(a.status ? { status: a.status } : {}) }));
  }

  /** A new line costs the catalogue item's price. */
  async create(agreementId: number, line: NewLine, _now: Date): Promise<{ id: number; unitPrice: number | null }> {
    const id = Math.max(0, ...this.state.lines.map((l) => l.id)) + 1;
    const unitPrice = this.state.products.find((p) => p.id === line.productId)?.unitPrice ?? null;
    this.state.lines.push({ id, agreementId, productId: line.productId, quantity: line.quantity, unitPrice });
    this.save();
    return { id, unitPrice };
  }

  async setQuantity(agreementId: number, lineId: number, quantity: number): Promise<void> {
    this.openLine(agreementId, lineId).quantity = quantity;
    this.save();
  }

  /** Cancelled as of the run's moment: closed to the next plan. */
  async cancel(agreementId: number, lineId: number, now: Date): Promise<void> {
    this.openLine(agreementId, lineId).cancelledDate = isoSeconds(now);
    this.save();
  }

  async close(): Promise<void> {}

  private openLine(agreementId: number, lineId: number): Line {
    const line = this.state.lines.find((l) => l.id === lineId && l.agreementId === agreementId);
    if (!line) throw new CwsyncError(`the in-memory billing system has no line ${lineId} on agreement ${agreementId}`);
    return line;
  }

  private save(): void {
    if (this.path) saveState(this.path, this.state);
  }
}
