/**
 * What the reconciler needs from the outside, in its own words (ports). A billing system is a
 * `BillingTarget` (ConnectWise implements it in connectwise/target.ts; tests use an in-memory
 * one); usage comes from a `UsageSource` (usage/types.ts). Nothing here knows HTTP or any
 * vendor's query syntax.
 */
import type { Binding } from '../config/types.js';
import { CwsyncError, NotUnderstood } from '../errors.js';

/**
 * How messages name the two systems: each adapter fills in its own name ("ConnectWise",
 * "Mailprotector"); without one the core says "the billing system" and "the usage source".
 */
export interface SystemNames {
  billing: string;
  usage: string;
}

export const NEUTRAL_NAMES: SystemNames = { billing: 'the billing system', usage: 'the usage source' };

export interface CompanyRef {
  id: number;
  identifier: string;
  name: string;
}

/** An agreement as the billing system lists it (for `cwsync import` to propose bindings from). */
export interface ListedAgreement {
  id: number;
  name: string;
  companyId: number;
  /** The agreement type's name, when the billing system gives one. */
  type?: string;
  /** Its status in the billing system's words; absent counts as active. */
  status?: string;
}

export interface ResolvedBinding {
  binding: Binding;
  company: CompanyRef;
  agreement: { id: number; name: string };
}

export interface ProductRef {
  id: number;
  identifier: string;
  /** The catalog price per unit; null when unknown. */
  unitPrice: number | null;
}

/** A name that could not be resolved: one binding's, or (binding null) a catalog item's. */
export interface Unresolved {
  binding: Binding | null;
  message: string;
  fix?: string;
  /** When the company resolved but the agreement did not: which company (any of its agreements may be the one meant). */
  company?: { id: number };
}

export interface TargetResolution {
  bindings: ResolvedBinding[];
  /** Keyed by the catalog identifier as written in services.yaml. */
  products: Map<string, ProductRef>;
  failures: Unresolved[];
}

/** A billed line (ConnectWise: an agreement addition) as the reconciler sees it. */
export interface BilledLine {
  id: number;
  productId: number;
  quantity: number;
  /** The addition's own price per unit; null when unknown. */
  unitPrice: number | null;
  /** ISO date; the line is open while this is null or in the future. */
  cancelledDate: string | null;
  /** The product's catalog identifier as the line names it; shown for lines cwsync does not manage. */
  productIdentifier?: string | null;
  /** The line's own description (free text); shown, and searched for service names, never written. */
  description?: string | null;
}

/** A line to create: what the core decides. How it is billed and from when is the billing system's own policy. */
export interface NewLine {
  productId: number;
  quantity: number;
}

/** An agreement as it stands now, with its company: what a saved plan re-reads before writing to it. */
export interface AgreementState {
  id: number;
  name: string;
  /** The billing system's own word, e.g. "Active"; null when it gives none. */
  status: string | null;
  cancelled: boolean;
  company: { id: number; identifier: string; name: string; deleted: boolean };
}

export interface BillingTarget {
  /** Turns the bindings' names into ids; every failure is returned, one binding's failure is its own. */
  resolve(bindings: Binding[], productIdentifiers: string[]): Promise<TargetResolution>;
  /**
   * The lines of these products on one agreement, open or not. Throws when they cannot be read
   * or their shape is not understood: never answers "none" for an answer it did not understand.
   */
  lines(agreementId: number, productIds: number[]): Promise<BilledLine[]>;
  /**
   * One agreement and its company, read now; null when the agreement does not exist. Throws
   * when it cannot be read or its shape is not understood.
   */
  agreement(agreementId: number): Promise<AgreementState | null>;
  /**
   * Every line on one agreement, of any product, open or not: the plan shows the open lines it
   * does not manage beside its changes (a bundle billed by hand is double billing to see). Same
   * errors as `lines`.
   */
  agreementLines(agreementId: number): Promise<BilledLine[]>;
  /**
   * Throws OutcomeUnknown when the request may have been carried out (no answer, or one that
   * does not show the line as sent). Returns the new line's id when the answer says it, and the
   * price per unit the billing system gave it (undefined or null: unknown).
   */
  create(agreementId: number, line: NewLine, now: Date): Promise<{ id: number | null; unitPrice?: number | null }>;
  setQuantity(agreementId: number, lineId: number, quantity: number): Promise<void>;
  /** Every company that is not deleted (`cwsync import` matches customers to them). Throws when unreadable. */
  listCompanies(): Promise<CompanyRef[]>;
  /** Every agreement that is not cancelled, of any company. Throws when unreadable. */
  listAgreements(): Promise<ListedAgreement[]>;
  /**
   * `now` is the run's date: the billing system dates a created or cancelled line from it by
   * its own rules (ConnectWise: connectwise.effectiveDate, and a cancelled date of today), so
   * that a line cancelled now is no longer open to the next plan.
   */
  cancel(agreementId: number, lineId: number, now: Date): Promise<void>;
  close(): Promise<void>;
}

/** A write that got no usable answer (no answer, timeout, reset, 5xx): it may have been carried out. */
export class OutcomeUnknown extends CwsyncError {}

/**
 * Whether a write that threw may still have been carried out. An answer the adapter did not
 * understand is such a case whichever adapter threw it (a proxy page after the request went
 * through): the core never trusts an adapter to have translated it, so a create is never sent again.
 */
export function writeOutcomeUnknown(err: unknown): err is CwsyncError {
  return err instanceof OutcomeUnknown || (err instanceof NotUnderstood && err.call !== undefined);
}

/** The billing system refuses everything (credentials, permissions): the whole run stops, not one binding. */
export class TargetUnavailable extends CwsyncError {}

/** ISO 8601 dates and date-times, as billing systems write them; Date.parse alone takes "1" as 2001. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A line is open while it has no cancelled date, or one still in the future. A cancelled date
 * that is not a date is not understood (NotUnderstood, an error of that binding): never guessed
 * open (billed) or closed (recreated).
 */
export function isOpen(line: { id?: number; cancelledDate?: string | null }, now: Date): boolean {
  if (line.cancelledDate === null || line.cancelledDate === undefined) return true;
  const t = ISO_DATE.test(line.cancelledDate) ? Date.parse(line.cancelledDate) : Number.NaN;
  if (Number.isNaN(t))
    throw new NotUnderstood({
      from: `line ${line.id ?? '?'} from the billing system`,
      expected: 'a cancelledDate that is an ISO date, or none',
      got: JSON.stringify(line.cancelledDate).slice(0, 60),
      hint: 'check the line in the billing system; nothing was planned for this agreement',
    });
  return t > now.getTime();
}

/**
 * A create whose outcome was unknown and that no read has seen yet. Remembered across runs
 * (also the next run in GitHub Actions), so no run creates that line again before it has been
 * seen or has stayed absent past the settle time.
 */
export interface PendingCreate {
  agreement: number;
  product: number;
  quantity: number;
  /** When the create was sent (ISO). */
  since: string;
}

/** Where pending creates are kept between runs. `save` writes through before it returns, or throws. */
export interface PendingCreates {
  /** Where they are kept, for messages (a path). */
  readonly where: string;
  list(): PendingCreate[];
  save(pending: PendingCreate[]): void;
}
