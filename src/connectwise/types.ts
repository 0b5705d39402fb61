/** The parts of ConnectWise records cwsync reads. Unknown fields are ignored. */

export interface CompanyRef {
  id: number;
  identifier: string;
  name: string;
}

export interface Company extends CompanyRef {
  deletedFlag?: boolean;
}

export interface Agreement {
  id: number;
  name: string;
  company: CompanyRef;
  agreementStatus?: string;
  cancelledFlag?: boolean;
}

export interface CatalogItem {
  id: number;
  identifier: string;
  description?: string;
  inactiveFlag?: boolean;
}

export interface Addition {
  id: number;
  agreementId?: number;
  product: { id: number; identifier?: string };
  quantity: number;
  effectiveDate?: string | null;
  cancelledDate?: string | null;
}

export interface JsonPatchOp {
  op: 'replace';
  path: string;
  value: unknown;
}

export interface NewAddition {
  product: { id: number };
  quantity: number;
  billCustomer: string;
  effectiveDate: string;
}

/** An addition is open while it has no cancelled date, or one still in the future. */
export function isOpen(addition: Pick<Addition, 'cancelledDate'>, now: Date): boolean {
  if (!addition.cancelledDate) return true;
  const t = Date.parse(addition.cancelledDate);
  return Number.isNaN(t) ? true : t > now.getTime();
}
