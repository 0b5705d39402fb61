/**
 * ConnectWise as the reconciler's billing target: agreement additions are the billed lines.
 * Translates the port's words into ConnectWise calls, and HTTP failures into the port's
 * outcomes: a write with no usable answer is OutcomeUnknown; refused credentials stop the run.
 */
import { sharer } from '../collections.js';
import type { BillCustomer, Binding, EffectiveDatePolicy } from '../config/types.js';
import { HttpError, mayHaveLanded } from '../http/errors.js';
import {
  type AgreementState,
  type BilledLine,
  type BillingTarget,
  type CompanyRef,
  type ListedAgreement,
  type NewLine,
  OutcomeUnknown,
  type TargetResolution,
  TargetUnavailable,
} from '../reconcile/ports.js';
import type { ConnectWiseClient } from './client.js';
import { eq, inList } from './conditions.js';
import { cancelledDate, effectiveDate } from './dates.js';
import { toAgreements, toCompanies } from './listing.js';
import { type ResolveOptions, resolveEach } from './resolve.js';
import type { Addition, Agreement, Company } from './types.js';
import { checkAnswer } from './write-check.js';

/** 401 and 403 are about the API member, not one agreement: every other call would fail alike. */
function translate(err: unknown, write: boolean): unknown {
  if (err instanceof HttpError && (err.status === 401 || err.status === 403))
    return new TargetUnavailable(err.message, { hint: err.hint, cause: err });
  if (write && mayHaveLanded(err) && err instanceof Error)
    return new OutcomeUnknown(err.message, { hint: (err as { hint?: string }).hint, cause: err });
  return err;
}

async function guarded<T>(write: boolean, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translate(err, write);
  }
}

/** The port's view of an agreement: its company as read (`company`), else as the agreement names it. */
export function agreementState(
  found: Agreement,
  company: Company | null | undefined,
  deleted: boolean,
): AgreementState {
  return {
    id: found.id,
    name: found.name,
    status: found.agreementStatus ?? null,
    cancelled: found.cancelledFlag === true,
    company: {
      id: found.company.id,
      identifier: company?.identifier ?? found.company.identifier,
      name: company?.name ?? found.company.name,
      deleted,
    },
  };
}

/**
 * One string for each text the lines repeat (a catalog identifier, often a description): each
 * page parsed makes its own copies, held until the plan is built (the bench's 20,000 agreements:
 * some 200,000 strings of a handful of texts). At most 5,000 texts of up to 200 characters are
 * remembered, for as long as the target is.
 */
const sharedText = () => sharer<string>((text) => (text.length <= 200 ? text : undefined), 5_000);

const asIs = (text: string) => text;

export const toLine = (a: Addition, shared: (text: string) => string = asIs): BilledLine => ({
  id: a.id,
  productId: a.product.id,
  quantity: a.quantity,
  unitPrice: typeof a.unitPrice === 'number' ? a.unitPrice : null,
  cancelledDate: a.cancelledDate ?? null,
  productIdentifier: typeof a.product.identifier === 'string' ? shared(a.product.identifier) : null,
  description: typeof a.description === 'string' ? shared(a.description) : null,
});

/** How ConnectWise additions are written: its own policy, from connectwise: (or, as before, policy:) in cwsync.yaml. */
export interface WritePolicy {
  billCustomer?: BillCustomer;
  effectiveDate?: EffectiveDatePolicy;
}

export class ConnectWiseTarget implements BillingTarget {
  private readonly shared = sharedText();

  constructor(
    readonly client: ConnectWiseClient,
    private readonly options: ResolveOptions & WritePolicy = {},
  ) {}

  async resolve(bindings: Binding[], productIdentifiers: string[]): Promise<TargetResolution> {
    const r = await guarded(false, () => resolveEach(this.client, bindings, productIdentifiers, this.options));
    return { bindings: r.bindings, products: r.products, failures: r.failures };
  }

  async lines(agreementId: number, productIds: number[]): Promise<BilledLine[]> {
    if (productIds.length === 0) return [];
    const condition = productIds.length === 1 ? eq('product/id', productIds[0]!) : inList('product/id', productIds);
    // Cancelled ones are filtered by date by the caller: ConnectWise's date semantics in conditions are unconfirmed.
    const additions = await guarded(false, () => this.client.additions(agreementId, condition));
    return additions.map((a) => toLine(a, this.shared));
  }

  async agreement(agreementId: number): Promise<AgreementState | null> {
    const found = await guarded(false, () => this.client.agreement(agreementId));
    if (!found) return null;
    // The company is read by id, deleted or not: the agreement's own company reference has no deleted flag.
    const company = await guarded(false, () => this.client.company(found.company.id));
    // A company ConnectWise no longer has at all is as gone as a deleted one.
    return agreementState(found, company, company === null || company.deletedFlag === true);
  }

  async agreementLines(agreementId: number): Promise<BilledLine[]> {
    const additions = await guarded(false, () => this.client.additions(agreementId));
    return additions.map((a) => toLine(a, this.shared));
  }

  /**
   * The answer must show the line as sent (product, quantity, this agreement, open); anything
   * else is OutcomeUnknown, settled by the apply core's read-back. The price ConnectWise gave
   * the line is the answer's (null when it has none: the apply core's read-back after the create
   * then says it); nothing proves ConnectWise copies the catalog's.
   */
  async create(
    agreementId: number,
    line: NewLine,
    now: Date,
  ): Promise<{ id: number | null; unitPrice: number | null }> {
    const created = await guarded(true, () =>
      this.client.createAddition(agreementId, {
        product: { id: line.productId },
        quantity: line.quantity,
        billCustomer: this.options.billCustomer ?? 'Billable',
        effectiveDate: effectiveDate(this.options.effectiveDate ?? 'first-of-next-month', now),
      }),
    );
    checkAnswer(
      `create an addition on agreement ${agreementId}`,
      {
        agreementId,
        productId: line.productId,
        quantity: line.quantity,
        cancelledDate: null,
      },
      created,
    );
    return { id: created.id, unitPrice: typeof created.unitPrice === 'number' ? created.unitPrice : null };
  }

  async listCompanies(): Promise<CompanyRef[]> {
    return toCompanies(await guarded(false, () => this.client.companies(undefined)));
  }

  async listAgreements(): Promise<ListedAgreement[]> {
    return toAgreements(await guarded(false, () => this.client.agreements(undefined)));
  }

  async setQuantity(agreementId: number, lineId: number, quantity: number): Promise<void> {
    const got = await guarded(true, () =>
      this.client.patchAddition(agreementId, lineId, [{ op: 'replace', path: 'quantity', value: quantity }]),
    );
    checkAnswer(
      `update addition ${lineId} on agreement ${agreementId}`,
      { agreementId, additionId: lineId, quantity },
      got,
    );
  }

  async cancel(agreementId: number, lineId: number, now: Date): Promise<void> {
    const date = cancelledDate(now);
    const got = await guarded(true, () =>
      this.client.patchAddition(agreementId, lineId, [{ op: 'replace', path: 'cancelledDate', value: date }]),
    );
    checkAnswer(
      `cancel addition ${lineId} on agreement ${agreementId}`,
      { agreementId, additionId: lineId, cancelledDate: date },
      got,
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
