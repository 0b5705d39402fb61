/** The security role cwsync needs (SPEC section 1), and which call needs which permission. */
import type { Method } from '../http/transport.js';

export interface Permission {
  area: string;
  level: 'Inquire' | 'Add' | 'Edit';
  why: string;
}

export const PERMISSIONS = {
  companies: {
    area: 'Companies › Company Maintenance',
    level: 'Inquire',
    why: 'resolve company identifiers and names',
  },
  agreementsInquire: { area: 'Finance › Agreements', level: 'Inquire', why: 'read agreements and their additions' },
  agreementsAdd: { area: 'Finance › Agreements', level: 'Add', why: 'create missing additions' },
  agreementsEdit: {
    area: 'Finance › Agreements',
    level: 'Edit',
    why: 'update addition quantities and cancel additions',
  },
  catalog: { area: 'Procurement › Product Catalog', level: 'Inquire', why: 'resolve catalog item identifiers' },
} as const satisfies Record<string, Permission>;

/** The permission a ConnectWise call needs, from its method and path. */
export function permissionFor(method: Method | string, path: string): Permission | undefined {
  if (path.includes('/company/')) return PERMISSIONS.companies;
  if (path.includes('/procurement/')) return PERMISSIONS.catalog;
  if (path.includes('/finance/agreements')) {
    if (method === 'POST') return PERMISSIONS.agreementsAdd;
    if (method === 'PATCH' || method === 'PUT') return PERMISSIONS.agreementsEdit;
    return PERMISSIONS.agreementsInquire;
  }
  return undefined;
}

export function describePermission(p: Permission): string {
  return `${p.area}: ${p.level} = All`;
}
