/**
 * Every company and agreement, as the target port lists them for `cwsync import`. Records are
 * checked here, at the edge: one that lacks what matching needs is an error that names the
 * call, never silently skipped.
 */
import { NotUnderstood } from '../errors.js';
import { describeShape } from '../http/shape.js';
import type { CompanyRef, ListedAgreement } from '../reconcile/ports.js';
import type { Agreement, Company } from './types.js';

function bad(call: string, record: unknown, needs: string): NotUnderstood {
  return new NotUnderstood({
    from: `a record of ConnectWise ${call}`,
    expected: `one with ${needs}`,
    got: describeShape(record),
    hint: 'this ConnectWise version answers in a shape cwsync does not know: run `cwsync doctor --shapes` and report what differs',
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
