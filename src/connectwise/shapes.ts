/**
 * What cwsync assumes about each ConnectWise answer it reads: the fields it uses and their
 * kinds (reference/connectwise-api.md §3, from the published OpenAPI schema). The client checks
 * every answer against these before use, and `cwsync doctor --shapes` reports a tenant's real
 * answers against the same list, so the two can never disagree.
 */
import type { RecordSpec } from '../http/shape.js';

const optionalDate = ['string', 'null', 'absent'] as const;

export const COMPANY: RecordSpec = {
  noun: 'company',
  plural: 'companies',
  fields: { id: ['integer'], identifier: ['string'], name: ['string'], deletedFlag: ['boolean', 'absent'] },
};

export const AGREEMENT: RecordSpec = {
  noun: 'agreement',
  plural: 'agreements',
  fields: {
    id: ['integer'],
    name: ['string'],
    'company/id': ['integer'],
    'company/identifier': ['string', 'absent'],
    agreementStatus: ['string', 'null', 'absent'],
    cancelledFlag: ['boolean', 'absent'],
  },
};

export const CATALOG_ITEM: RecordSpec = {
  noun: 'catalog item',
  plural: 'catalog items',
  fields: {
    id: ['integer'],
    identifier: ['string'],
    inactiveFlag: ['boolean', 'absent'],
    price: ['number', 'null', 'absent'],
  },
};

export const ADDITION: RecordSpec = {
  noun: 'addition',
  plural: 'additions',
  fields: {
    id: ['integer'],
    'product/id': ['integer'],
    quantity: ['number'],
    unitPrice: ['number', 'null', 'absent'],
    effectiveDate: optionalDate,
    cancelledDate: optionalDate,
    agreementId: ['integer', 'absent'],
  },
};

export const COUNT: RecordSpec = { noun: 'count', plural: 'counts', fields: { count: ['integer'] } };

export const SYSTEM_INFO: RecordSpec = {
  noun: 'system info',
  plural: 'system infos',
  fields: { version: ['string', 'absent'] },
};

/** /login/companyinfo/{company}: a null body means the company ID is unknown. */
export const COMPANY_INFO: RecordSpec = {
  noun: 'company info',
  plural: 'company infos',
  fields: { Codebase: ['string'] },
};
