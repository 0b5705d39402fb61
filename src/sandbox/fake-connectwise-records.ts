/**
 * How the fake ConnectWise writes its records, field by field as the generated models of the
 * 2022.1 spec have them (reference/vendor-evidence-turn3.md, "The fakes against the evidence"):
 * a field with no value is omitted, never sent as null (the API omits unset fields); a line
 * carries an `agreementStatus`; references carry `_info`.
 */
import { fieldsOf, getPath } from './conditions.js';
import type { CwAddition, CwAgreement, CwCatalogItem, CwCompany } from './world.js';

type Rec = Record<string, unknown>;

/** Only the fields that hold a value: what the API sends for a record with unset fields. */
function present(record: Rec): Rec {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined));
}

function companyRef(c: CwCompany | undefined): Rec | undefined {
  return c ? { id: c.id, identifier: c.identifier, name: c.name, _info: {} } : undefined;
}

export function toCompany(c: CwCompany): Rec {
  return present({
    id: c.id,
    identifier: c.identifier,
    name: c.name,
    deletedFlag: c.deletedFlag,
    status: { id: 1, name: 'Active' },
    types: c.types ?? [{ id: 1, name: 'Client' }],
    _info: {},
  });
}

export function toAgreement(a: CwAgreement, company: CwCompany | undefined): Rec {
  return present({
    id: a.id,
    name: a.name,
    type: { id: 1, name: 'Managed Services', _info: {} },
    company: companyRef(company),
    agreementStatus: a.agreementStatus,
    cancelledFlag: a.cancelledFlag,
    billStartDate: a.billStartDate,
    _info: {},
  });
}

/** An addition's own status: Cancelled once its cancelled date has passed, else its agreement's. */
function lineStatus(a: CwAddition, agreement: CwAgreement | undefined, now: number): string {
  if (a.cancelledDate && Date.parse(a.cancelledDate) <= now) return 'Cancelled';
  return agreement?.agreementStatus ?? 'Active';
}

export function toAddition(
  a: CwAddition,
  product: CwCatalogItem | undefined,
  agreement: CwAgreement | undefined,
  now = Date.now(),
): Rec {
  const lessIncluded = a.lessIncluded ?? 0;
  const billed = Math.max(0, a.quantity - lessIncluded);
  const extPrice = a.unitPrice === null ? undefined : billed * a.unitPrice;
  const extCost = a.unitCost === null ? undefined : billed * a.unitCost;
  return present({
    id: a.id,
    product: present({ id: a.productId, identifier: product?.identifier, _info: {} }),
    quantity: a.quantity,
    lessIncluded,
    unitPrice: a.unitPrice,
    unitCost: a.unitCost,
    billCustomer: a.billCustomer,
    effectiveDate: a.effectiveDate,
    cancelledDate: a.cancelledDate,
    description: a.description,
    taxableFlag: a.taxableFlag ?? false,
    agreementId: a.agreementId,
    extPrice,
    extCost,
    margin: extPrice !== undefined && extCost !== undefined ? extPrice - extCost : undefined,
    agreementStatus: lineStatus(a, agreement, now),
    _info: {},
  });
}

export function toCatalogItem(c: CwCatalogItem): Rec {
  return { ...c, productClass: 'Agreement', recurringFlag: true, _info: {} };
}

/** The field paths `conditions` may name on each list; child collections (company `types`) are not among them. */
export const KNOWN = {
  companies: fieldsOf(toCompany({ id: 0, identifier: 'x', name: 'x', deletedFlag: false, types: [] }), [], ['types']),
  /** What `childConditions` may name on companies. */
  companyChildren: new Set(['types/id', 'types/name']),
  agreements: fieldsOf(
    toAgreement(
      { id: 0, name: 'x', companyId: 0, agreementStatus: 'Active', cancelledFlag: false, billStartDate: 'x' },
      { id: 0, identifier: 'x', name: 'x', deletedFlag: false },
    ),
  ),
  additions: fieldsOf(
    toAddition(
      {
        id: 0,
        agreementId: 0,
        productId: 0,
        quantity: 0,
        unitPrice: 0,
        unitCost: 0,
        billCustomer: 'x',
        effectiveDate: 'x',
        cancelledDate: 'x',
        description: 'x',
      },
      { id: 0, identifier: 'x', description: 'x', inactiveFlag: false, price: 0, cost: 0 },
      undefined,
    ),
  ),
  catalog: fieldsOf(
    toCatalogItem({ id: 0, identifier: 'x', description: 'x', inactiveFlag: false, price: 0, cost: 0 }),
  ),
};

/** A partial response, as `fields=id,name,company/id` asks. */
export function project(record: Rec, fields: string[]): Rec {
  const out: Rec = {};
  for (const f of fields) {
    const segs = f.trim().split('/');
    const value = getPath(record, f.trim());
    if (value === undefined) continue;
    let cur = out;
    for (const s of segs.slice(0, -1)) {
      cur[s] ??= {};
      cur = cur[s] as Rec;
    }
    cur[segs[segs.length - 1]!] = value;
  }
  return out;
}
