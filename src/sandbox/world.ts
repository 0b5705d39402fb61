/** The state behind the fake servers: plain data, so tests and the demo can shape it freely. */

export type CwPermission =
  | 'companies'
  | 'agreements.inquire'
  | 'agreements.add'
  | 'agreements.edit'
  | 'agreements.delete'
  | 'catalog';
const ALL_CW_PERMISSIONS: CwPermission[] = [
  'companies',
  'agreements.inquire',
  'agreements.add',
  'agreements.edit',
  'agreements.delete',
  'catalog',
];

export interface CwCompany {
  id: number;
  identifier: string;
  name: string;
  deletedFlag: boolean;
  /** A child collection: searchable only with `childConditions`. Default: one type, Client. */
  types?: Array<{ id: number; name: string }>;
}

export interface CwAgreement {
  id: number;
  name: string;
  companyId: number;
  agreementStatus: 'Active' | 'Cancelled' | 'Expired' | 'Inactive';
  cancelledFlag: boolean;
  billStartDate?: string;
}

export interface CwAddition {
  id: number;
  agreementId: number;
  productId: number;
  quantity: number;
  /** null: none given (the fake does not invent one on create unless `priceOnCreate` says so). */
  unitPrice: number | null;
  unitCost: number | null;
  /** Units included in the agreement, not billed; patchable. Default 0. */
  lessIncluded?: number;
  /** Patchable. Default false. */
  taxableFlag?: boolean;
  billCustomer: string;
  effectiveDate: string | null;
  cancelledDate: string | null;
  description: string;
}

export interface CwCatalogItem {
  id: number;
  identifier: string;
  description: string;
  inactiveFlag: boolean;
  price: number;
  cost: number;
}

export interface CwWorld {
  /** The login company ID. */
  company: string;
  codebase: string;
  publicKey: string;
  privateKey: string;
  clientIds: string[];
  permissions: Set<CwPermission>;
  companies: CwCompany[];
  agreements: CwAgreement[];
  additions: CwAddition[];
  catalog: CwCatalogItem[];
  nextId: number;
}

interface MpCustomer {
  id: number;
  name: string;
  resellerId: number;
}

interface MpDomain {
  id: number;
  name: string;
  customerId: number;
  /** Set for a domain alias: the domain it mirrors. */
  parentId: number | null;
}

interface MpUserGroup {
  id: number;
  name: string;
  domainId: number;
  userCount: number;
}

interface MpService {
  id: number;
  userGroupId: number;
  /** As the API reports it, e.g. "CloudFilter Email Security". */
  serviceType: string;
}

export interface MpWorld {
  apiKey: string;
  resellerId: number;
  customers: MpCustomer[];
  domains: MpDomain[];
  userGroups: MpUserGroup[];
  services: MpService[];
}

export interface World {
  cw: CwWorld;
  mp: MpWorld;
}

export function emptyCwWorld(overrides: Partial<CwWorld> = {}): CwWorld {
  return {
    company: 'acme',
    codebase: 'v4_6_release/',
    publicKey: 'sandbox-public',
    privateKey: 'sandbox-private',
    clientIds: ['00000000-0000-4000-8000-000000000001'],
    permissions: new Set(ALL_CW_PERMISSIONS),
    companies: [],
    agreements: [],
    additions: [],
    catalog: [],
    nextId: 100_000,
    ...overrides,
  };
}

export function emptyMpWorld(overrides: Partial<MpWorld> = {}): MpWorld {
  return {
    apiKey: 'sandbox-mp-key',
    resellerId: 343,
    customers: [],
    domains: [],
    userGroups: [],
    services: [],
    ...overrides,
  };
}
