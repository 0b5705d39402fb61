/** The plan (SPEC section 5): what the JSON holds, and what renderers and apply read. */

export type ActionKind = 'create' | 'update' | 'cancel';

export interface Action {
  action: ActionKind;
  /** The Mailprotector customer(s) bound to the agreement. */
  customer: string;
  company: { id: number; identifier: string };
  agreement: { id: number; name: string };
  product: { id: number; identifier: string };
  /** null for a create. */
  additionId: number | null;
  /** null for a create. */
  before: number | null;
  /** 0 for a cancel. */
  after: number;
  reason: string;
}

export interface Conflict {
  customer: string;
  company: { id: number; identifier: string };
  agreement: { id: number; name: string };
  product: { id: number; identifier: string };
  additionIds: number[];
  desired: number;
  reason: string;
}

export type WarningCode =
  | 'unmapped-service'
  | 'unknown-service'
  | 'deprecated-service'
  | 'unbound-customer'
  | 'missing-addition'
  | 'safety-limit';

export interface Warning {
  code: WarningCode;
  message: string;
}

export interface PlanSummary {
  create: number;
  update: number;
  cancel: number;
  unchanged: number;
  conflicts: number;
}

export interface Plan {
  formatVersion: 1;
  createdAt: string;
  source: { commit: string | null; dirty: boolean };
  fingerprint: string;
  summary: PlanSummary;
  actions: Action[];
  conflicts: Conflict[];
  warnings: Warning[];
}

/** What the safety check knows that the JSON plan does not carry. */
export interface SafetyReport {
  /** Open additions of managed products on bound agreements. */
  managed: number;
  changes: number;
  violations: string[];
}
