/**
 * Every company and agreement, as the target port lists them for `cwsync import`. Records are
 * checked here, at the edge: one that lacks what matching needs is an error that names the
 * call, never silently skipped.
 */
import { CwsyncError } from '../errors.js';
import { describeShape } from '../http/shape.js';
import type { CompanyRef, ListedAgreement } from '../reconcile/ports.js';
import type { Agreement, Company } from './types.js';

function bad(call: string, record: unknown, needs: string): CwsyncError {
  return new CwsyncError(`ConnectWise ${call} returned a record without ${needs}: ${describeShape(record)}`, {
    hint: 'this ConnectWise version answers in a shape cwsync does not know; run `cwsync doctor` and report it',
  });
}

export function toCompanies(records: Company[]): CompanyRef[] {
  return records.map((r) => {
    const ok = r && typeof r.id === 'number' && typeof r.identifier === 'string' && typeof r.name === 'string';
    if (!ok) throw bad('list companies', r, 'id, identifier and name');
    return { id: r.id, identifier: r.identifier, name: r.name };
  });
}

export function toAgreements(records: Agreement[]): ListedAgreement[] {
  return records.map((r) => {
    const ok = r && typeof r.id === 'number' && typeof r.name === 'string' && typeof r.company?.id === 'number';
    if (!ok) throw bad('list agreements', r, 'id, name and company id');
    const type = (r as { type?: { name?: unknown } }).type?.name;
    return {
      id: r.id,
      name: r.name,
      companyId: r.company.id,
      ...(typeof type === 'string' ? { type } : {}),
      ...(typeof r.agreementStatus === 'string' ? { status: r.agreementStatus } : {}),
    };
  });
}
