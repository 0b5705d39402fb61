/** The parts of ConnectWise records cwsync reads. Unknown fields are ignored. */
import type { CompanyRef } from '../reconcile/ports.js';

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
  /** The catalog's default price per unit; read for the plan's money, never written. */
  price?: number;
}

export interface Addition {
  id: number;
  agreementId?: number;
  product: { id: number; identifier?: string };
  quantity: number;
  /** Read for the plan's money, never written. */
  unitPrice?: number;
  effectiveDate?: string | null;
  cancelledDate?: string | null;
  /** Free text on the line; read to show lines cwsync does not manage, never written. */
  description?: string | null;
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
