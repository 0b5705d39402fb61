/**
 * The fake ConnectWise's writes to agreement additions: create (POST) and JSON Patch (PATCH),
 * validated as the evidence says the API does. A create does not invent a unit price (nothing
 * shows the API copies the catalog's) unless the `priceOnCreate` switch says so; PATCH accepts
 * every writable scalar field the spec lists, `lessIncluded` and `taxableFlag` included.
 */
import { isoSeconds } from '../time.js';
import { json, type Reply } from './harness.js';
import type { CwAddition, CwAgreement, CwWorld } from './world.js';

type Rec = Record<string, unknown>;

const invalid = (resource: string, message: string, field?: string): Reply =>
  json(400, {
    code: 'InvalidObject',
    message: `${resource} object is invalid`,
    errors: [{ code: 'InvalidObject', message, resource, field }],
  });

/** Why a create body is refused, or the catalog item it names. */
function productOf(world: CwWorld, b: Rec): Reply | CwWorld['catalog'][number] {
  const ref = (b.product ?? {}) as Rec;
  if (typeof b.product !== 'object' || b.product === null)
    return invalid('addition', "Error converting value to type 'IvItemReference'. Path 'product'", 'product');
  const product = world.catalog.find((p) =>
    ref.id !== undefined
      ? p.id === Number(ref.id)
      : p.identifier.toLowerCase() === String(ref.identifier ?? '').toLowerCase(),
  );
  if (!product) return invalid('addition', 'Product not found', 'product');
  if (product.inactiveFlag) return invalid('addition', 'Product is inactive', 'product');
  return product;
}

function refusal(b: Rec, agreement: CwAgreement): Reply | undefined {
  if (!['Billable', 'DoNotBill', 'NoCharge'].includes(String(b.billCustomer)))
    return invalid('addition', 'The billCustomer field is required.', 'billCustomer');
  const quantity = Number(b.quantity ?? 0);
  if (!Number.isFinite(quantity) || quantity < 0)
    return invalid('addition', 'quantity must be a non-negative number', 'quantity');
  if (b.effectiveDate === undefined) return undefined;
  const effective = Date.parse(String(b.effectiveDate));
  if (Number.isNaN(effective)) return invalid('addition', 'effectiveDate is not a valid date', 'effectiveDate');
  if (agreement.billStartDate && effective < Date.parse(agreement.billStartDate))
    return invalid('addition', 'effectiveDate cannot be less than the agreement billing start date', 'effectiveDate');
  return undefined;
}

const numberOr = (v: unknown, fallback: number | null): number | null => (typeof v === 'number' ? v : fallback);

/** A new addition from a POST body, or the 400 that refuses it. */
export function newAddition(
  world: CwWorld,
  body: unknown,
  agreement: CwAgreement,
  priceFromCatalog: boolean,
): CwAddition | Reply {
  const b = (body ?? {}) as Rec;
  const product = productOf(world, b);
  if ('status' in product) return product;
  const refused = refusal(b, agreement);
  if (refused) return refused;
  return {
    id: world.nextId++,
    agreementId: agreement.id,
    productId: product.id,
    quantity: Number(b.quantity ?? 0),
    unitPrice: numberOr(b.unitPrice, priceFromCatalog ? product.price : null),
    unitCost: numberOr(b.unitCost, priceFromCatalog ? product.cost : null),
    billCustomer: String(b.billCustomer),
    effectiveDate: b.effectiveDate === undefined ? isoSeconds(new Date()) : String(b.effectiveDate),
    cancelledDate: typeof b.cancelledDate === 'string' ? b.cancelledDate : null,
    description: typeof b.description === 'string' ? b.description : product.description,
  };
}

const NUMBERS = new Set(['quantity', 'unitPrice', 'unitCost', 'lessIncluded']);
const DATES = new Set(['cancelledDate', 'effectiveDate']);
const STRINGS = new Set(['description', 'billCustomer']);

/** One JSON Patch operation applied to `next`, or the 400 that refuses it. */
function applyOp(next: CwAddition, op: Rec): Reply | undefined {
  if (!['add', 'replace', 'remove'].includes(String(op.op)))
    return invalid('addition', `Unsupported operation ${String(op.op)}`);
  const field = String(op.path ?? '').replace(/^\//, '');
  const value = op.value;
  const target = next as unknown as Rec;
  if (NUMBERS.has(field)) {
    const n = Number(value);
    if (!Number.isFinite(n)) return invalid('addition', `${field} must be a number`, field);
    target[field] = n;
  } else if (DATES.has(field)) {
    if (value !== null && Number.isNaN(Date.parse(String(value))))
      return invalid('addition', `${field} is not a valid date`, field);
    target[field] = value === null ? null : String(value);
  } else if (STRINGS.has(field)) target[field] = String(value);
  else if (field === 'taxableFlag') target[field] = value === true || String(value).toLowerCase() === 'true';
  else return invalid('addition', `${field} is not a recognized field`, field);
  return undefined;
}

/** Applies a JSON Patch body to the addition; the 400 that refuses it leaves the addition as it was. */
export function patchAddition(body: unknown, addition: CwAddition): Reply | undefined {
  if (!Array.isArray(body))
    return invalid('addition', 'The entire object is part of an array and must be surrounded by square brackets');
  const next = { ...addition };
  for (const op of body as Rec[]) {
    const refused = applyOp(next, op);
    if (refused) return refused;
  }
  Object.assign(addition, next);
  return undefined;
}

/** A PUT replaces the fields it can carry; absent ones become empty. */
export function replaceAddition(addition: CwAddition, b: Rec): void {
  Object.assign(addition, {
    quantity: Number(b.quantity ?? 0),
    unitPrice: typeof b.unitPrice === 'number' ? b.unitPrice : null,
    unitCost: typeof b.unitCost === 'number' ? b.unitCost : null,
    description: String(b.description ?? ''),
    cancelledDate: (b.cancelledDate as string) ?? null,
  });
}
