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
type EffectiveDatePolicy = 'today' | 'first-of-month' | 'first-of-next-month';
type BillCustomer = 'Billable' | 'DoNotBill' | 'NoCharge';
/** An agreement status that may be billed (Cancelled never is). */
type AgreementStatus = 'Active' | 'Expired' | 'Inactive';

export interface Policy {
  createMissing: boolean;
  onZero: OnZero;
  billCustomer: BillCustomer;
  effectiveDate: EffectiveDatePolicy;
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

export interface Config {
  dir: string;
  connectwise: ConnectWiseSettings;
  usage: { mailprotector?: MailprotectorSettings; file?: string };
  policy: Policy;
  /** Canonical Mailprotector service name -> catalog identifier, or null for "Not Assigned". */
  services: Record<string, string | null>;
  bundles: Bundle[];
  customers: Binding[];
}
