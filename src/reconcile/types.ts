/** The plan (SPEC section 5): what the JSON holds, and what renderers and apply read. */
import type { CustomerUsage } from '../usage/types.js';

type ActionKind = 'create' | 'update' | 'cancel';

export interface Ref {
  id: number;
  identifier: string;
}

export interface Action {
  action: ActionKind;
  /** The Mailprotector customer(s) bound to the agreement. */
  customer: string;
  company: Ref;
  agreement: { id: number; name: string };
  product: Ref;
  /** null for a create. */
  additionId: number | null;
  /** null for a create. */
  before: number | null;
  /** 0 for a cancel. */
  after: number;
  reason: string;
  /** Per unit per billing cycle: the addition's own price, else the catalog item's; null when unknown. Read, never written. */
  unitPrice: number | null;
  /** (after − before) × unitPrice (before = 0 for a create); null when the price is unknown. */
  priceChange: number | null;
}

/** An action over a single-line safety limit (decrease, increase, maxQuantity): planned, not applied unless forced. */
export interface HeldAction extends Action {
  /** Why it is held, e.g. "60 -> 23 is a 62 % decrease (limit 50 %)"; the action's own reason moves to `actionReason`. */
  actionReason: string;
}

export interface Conflict {
  customer: string;
  company: Ref;
  agreement: { id: number; name: string };
  product: Ref;
  additionIds: number[];
  desired: number;
  reason: string;
}

/** One binding (or, with customer null, one product line) that could not be planned. */
export interface BindingError {
  /** The customer as written in the binding; null when the error is not one binding's (a catalog item). */
  customer: string | null;
  /** file:line in the config, e.g. "config/customers.yaml:12". */
  where: string;
  message: string;
  /** What to check or change. */
  fix?: string;
}

type WarningCode =
  | 'unmapped-service'
  | 'unknown-service'
  | 'deprecated-service'
  | 'unbound-customer'
  | 'missing-addition'
  | 'no-services'
  | 'scope-widened'
  | 'safety-limit'
  | 'double-billing'
  | 'services-not-shown';

export interface Warning {
  code: WarningCode;
  message: string;
}

interface PlanSummary {
  create: number;
  update: number;
  cancel: number;
  unchanged: number;
  conflicts: number;
  held: number;
  errors: number;
  /** Sum of every action's priceChange whose price is known (held ones excluded). */
  priceChange: number;
  /** Value per billing cycle of mapped usage that is billed nowhere (unbound customers), at catalog prices; binding errors' usage excluded. */
  notBilled: { users: number; value: number };
}

/** Where the usage came from and when it was read. */
export interface UsageProvenance {
  /** The usage adapter's key (`mailprotector`, `file`), or `snapshot` for --usage-snapshot. */
  source: string;
  /** When the usage source was read; null for a snapshot file without capturedAt. */
  capturedAt: string | null;
  /** The source's own label, e.g. "Mailprotector reseller 343" or "snapshot usage.json". */
  label: string;
  /** Read live from the source during this run (not from a file). */
  live?: boolean;
}

/** Where the billing system's state came from, when not read live with the configured keys. */
export interface TargetProvenance {
  source: 'snapshot' | 'read-only';
  /** When the snapshot was captured; null when read live. */
  capturedAt: string | null;
  label: string;
}

/** The plan-wide safety check, carried by the plan so apply enforces what plan showed. */
export interface SafetyReport {
  /** Open additions of managed products on bound agreements. */
  managed: number;
  /** Actions that would change a managed addition (creates count), held ones included. */
  changes: number;
  /** Set when maxChangePercent is exceeded: apply refuses the whole run without --force. */
  refusal: string | null;
}

/** The open managed additions one agreement had when planned: what a saved plan depends on. */
export interface ObservedAgreement {
  agreement: number;
  /** The product ids managed on this agreement (mapped, less those an override skips). */
  products: number[];
  /** [additionId, productId, quantity], sorted by addition id. */
  additions: Array<[number, number, number]>;
}

/** Usage no agreement pays for: an unbound customer's, an unmapped service's, or that of a binding with an error. */
export interface NotBilled {
  /** The customer using it; null only in plans saved by older versions (an unmapped service across customers). */
  customer: { id: number; name: string } | null;
  service: string;
  users: number;
  /** Catalog identifier when the service is mapped; null for an unmapped service. */
  product: string | null;
  unitPrice: number | null;
  /**
   * unbound: no binding names the customer; unmapped: the service has no product in services.yaml;
   * binding-error: the customer's binding has an error, so nothing was planned for it this run
   * (its agreement keeps what it had; not counted in the summary's notBilled). Absent in older plans.
   */
  why?: 'unbound' | 'unmapped' | 'binding-error';
}

/** An open line of a product cwsync does not manage, on an agreement the plan changes (SPEC §3). */
export interface UnmanagedLine {
  /** The Mailprotector customer(s) bound to the agreement. */
  customer: string;
  company: Ref;
  agreement: { id: number; name: string };
  /** The identifier as the line names its product; null when the billing system did not say. */
  product: { id: number; identifier: string | null };
  description: string | null;
  additionId: number;
  quantity: number;
  unitPrice: number | null;
  /** Why this line likely bills what cwsync also bills there; null when nothing suggests so. */
  doubleBilling: string | null;
}

/** One binding the plan used: how the config names it, what it resolved to, and the usage counted. */
export interface RecordedBinding {
  /** The customer as the binding writes it (name or id). */
  customer: string | number;
  /** file:line of the binding, for messages. */
  where: string;
  company: { id: number; identifier: string; name: string };
  agreement: { id: number; name: string };
  /** The Mailprotector customer's usage exactly as the plan counted it. */
  usage: CustomerUsage;
}

/**
 * What the plan's actions follow from, besides the config and `observed`: apply --plan
 * recomputes every action from these and refuses a plan whose actions do not follow.
 */
export interface PlanInputs {
  bindings: RecordedBinding[];
  /** The catalog items the plan managed, by the identifier written in services.yaml. */
  products: Array<{ identifier: string; id: number; unitPrice: number | null }>;
}

export interface Plan {
  formatVersion: 1;
  createdAt: string;
  /** The config's commit, whether it had uncommitted changes, and a digest of the config as read. */
  source: { commit: string | null; dirty: boolean; config?: string };
  fingerprint: string;
  summary: PlanSummary;
  actions: Action[];
  conflicts: Conflict[];
  warnings: Warning[];
  errors: BindingError[];
  held: HeldAction[];
  usage: UsageProvenance;
  /** Absent when the billing system was read live with the configured keys; a snapshot's plan cannot be applied. */
  target?: TargetProvenance;
  /** null for a run over every binding; else the customers named with --customer. */
  scope: { customers: string[] } | null;
  safety: SafetyReport;
  notBilled: NotBilled[];
  /** Open lines cwsync does not manage on the agreements it changes; absent in plans saved by older versions. */
  unmanaged?: UnmanagedLine[];
  /** The ConnectWise state the plan was computed from; apply --plan re-reads it and refuses if it moved. */
  observed: ObservedAgreement[];
  /** The inputs the actions follow from; absent only in plans made before cwsync recorded them. */
  inputs?: PlanInputs;
}
