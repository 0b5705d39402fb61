/** The shape of a loaded, validated configuration. The JSON Schemas in schema/ are the source of truth. */

export type SecretRef = { env: string } | { file: string };

export interface ConnectWiseSettings {
  site?: string;
  url?: string;
  company: string;
  publicKey: SecretRef;
  privateKey: SecretRef;
  clientId: SecretRef;
  /** An inquire-only API member's keys, for pull-request plans; clientId defaults to the one above. */
  readOnly?: { publicKey: SecretRef; privateKey: SecretRef; clientId?: SecretRef };
  apiVersion: string;
  concurrency: number;
  /** One request's deadline; the schema's default (30) fills it in a loaded config. */
  timeoutSeconds?: number;
  /** billCustomer of the additions cwsync creates (Billable when unset; `policy.billCustomer` is still read). */
  billCustomer?: BillCustomer;
  /** effectiveDate of the additions cwsync creates (first-of-next-month when unset; `policy.effectiveDate` is still read). */
  effectiveDate?: EffectiveDatePolicy;
}

export interface MailprotectorSettings {
  url: string;
  apiKey: SecretRef;
  reseller: number;
  requestsPerSecond: number;
  concurrency: number;
  /** One request's deadline; the schema's default (30) fills it in a loaded config. */
  timeoutSeconds?: number;
}

type OnZero = 'zero' | 'cancel' | 'keep';
export type EffectiveDatePolicy = 'today' | 'first-of-month' | 'first-of-next-month';
export type BillCustomer = 'Billable' | 'DoNotBill' | 'NoCharge';
/** An agreement status that may be billed (Cancelled never is). */
type AgreementStatus = 'Active' | 'Expired' | 'Inactive';

export interface Policy {
  createMissing: boolean;
  onZero: OnZero;
  /**
   * Agreements in these statuses are billed; any other status is an error of the binding. The
   * schema's default (`[Active]`) fills it in a loaded config.
   */
  agreementStatuses?: AgreementStatus[];
  safety: {
    maxChangePercent: number;
    minManaged: number;
    maxDecreasePercent: number;
    /** An increase is held when it exceeds both this percentage and maxIncreaseUnits; the schema defaults it (100). */
    maxIncreasePercent?: number;
    /** The schema defaults it (25). */
    maxIncreaseUnits?: number;
    /** Any new quantity above this is held, creates included; the schema defaults it (5000). */
    maxQuantity?: number;
  };
}

export interface Bundle {
  name: string;
  product: string;
  services: string[];
}

export type Override = { quantity: number } | { minimum: number } | { skip: true };

export interface Binding {
  customer: string | number;
  company: string;
  agreement: string | { id: number };
  overrides: Record<string, Override>;
  /** Where the binding was declared, for messages. */
  source: { file: string; line: number };
}

/**
 * A loaded config. The billing system is whichever registered target's key is present at the
 * top of cwsync.yaml (exactly one; adapters/registry.ts): `connectwise:` is one of them.
 */
export interface Config {
  dir: string;
  connectwise?: ConnectWiseSettings;
  /** Another target's settings, under its own key (validated by its schema), e.g. `memory:`. */
  [target: string]: unknown;
  usage: { mailprotector?: MailprotectorSettings; file?: string };
  policy: Policy;
  /** The usage source's canonical service name -> catalog identifier, or null for "Not Assigned". */
  services: Record<string, string | null>;
  bundles: Bundle[];
  customers: Binding[];
}
