/**
 * From what both systems hold and the bindings already written, a proposal for every unbound
 * customer: its company (match.ts), its agreement (agreement.ts), and the final verdict once
 * the proposals are seen together. Never two customers onto one company without saying so:
 * when several proposals (or an existing binding) share a company, only a unique exact match
 * stays accepted; the others are left for review with the reason. Pure: no I/O.
 */
import { groupBy } from '../collections.js';
import { chooseAgreement } from './agreement.js';
import { createMatcher } from './match.js';
import type { ExistingBinding, ImportAgreement, ImportCompany, ImportCustomer, Proposal, Verdict } from './types.js';

export interface ProposeInput {
  customers: ImportCustomer[];
  companies: ImportCompany[];
  agreements: ImportAgreement[];
  existing: ExistingBinding[];
  /** `--agreement`: a glob over agreement names and types. */
  agreementPattern?: string;
  /** Narrows which unbound customers are proposed (the nightly: those with usage). */
  include?: (customer: ImportCustomer) => boolean;
}

export interface ProposeResult {
  proposals: Proposal[];
  /** Customers skipped because a binding already names them. */
  bound: number;
}

/** Whether a binding already names a customer, by id or by name in any case (as the config rules compare). */
export function boundBy(existing: ExistingBinding[]): (customer: Pick<ImportCustomer, 'id' | 'name'>) => boolean {
  const ids = new Set(existing.flatMap((b) => (typeof b.customer === 'number' ? [b.customer] : [])));
  const names = new Set(existing.flatMap((b) => (typeof b.customer === 'string' ? [b.customer.toLowerCase()] : [])));
  return (c) => ids.has(c.id) || names.has(c.name.toLowerCase());
}

export function propose(input: ProposeInput): ProposeResult {
  const isBound = boundBy(input.existing);
  const unbound = input.customers.filter((c) => !isBound(c));
  const wanted = input.include ? unbound.filter(input.include) : unbound;
  const nameCount = new Map<string, number>();
  for (const c of input.customers) nameCount.set(c.name.toLowerCase(), (nameCount.get(c.name.toLowerCase()) ?? 0) + 1);
  const agreementsOf = new Map<number, ImportAgreement[]>();
  for (const a of input.agreements) {
    const list = agreementsOf.get(a.companyId);
    if (list) list.push(a);
    else agreementsOf.set(a.companyId, [a]);
  }

  const matcher = createMatcher(input.companies);
  const proposals: Proposal[] = wanted.map((customer) => {
    const match = matcher.match(customer);
    const proposed = match.verdict !== 'unmatched' && match.best ? match.best.company : undefined;
    const agreement = proposed
      ? chooseAgreement(agreementsOf.get(proposed.id) ?? [], input.agreementPattern)
      : undefined;
    const notes: string[] = [];
    let verdict: Verdict = match.verdict;
    if (agreement?.kind === 'open' && verdict === 'accepted') {
      verdict = 'review';
      notes.push(`agreement left open: ${agreement.why}`);
    }
    return {
      customer,
      customerRef: (nameCount.get(customer.name.toLowerCase()) ?? 0) > 1 ? customer.id : customer.name,
      match,
      agreement,
      verdict,
      notes,
    };
  });
  shareCompaniesOpenly(proposals, input.companies, input.existing);
  proposals.sort((a, b) => a.customer.name.localeCompare(b.customer.name) || a.customer.id - b.customer.id);
  return { proposals, bound: input.customers.length - unbound.length };
}

/** Proposals that name one company (with each other, or with a binding already written). */
function shareCompaniesOpenly(proposals: Proposal[], companies: ImportCompany[], existing: ExistingBinding[]): void {
  const byCompany = groupBy(proposals, (p) =>
    p.match.verdict === 'unmatched' || !p.match.best ? undefined : p.match.best.company.id,
  );
  const companyById = new Map(companies.map((c) => [c.id, c]));
  const boundTo = groupBy(existing, (b) => b.company.toLowerCase());
  for (const [companyId, sharing] of byCompany) {
    const company = companyById.get(companyId)!;
    const already = [
      ...new Set([
        ...(boundTo.get(company.identifier.toLowerCase()) ?? []),
        ...(boundTo.get(company.name.toLowerCase()) ?? []),
      ]),
    ];
    shareOneCompany(company, sharing, already);
  }
}

/**
 * A company already bound demotes every proposal for it; several proposals for one company are
 * all demoted, except a lone exact name (when nothing is bound yet), which is kept with a note.
 */
function shareOneCompany(company: ImportCompany, sharing: Proposal[], already: ExistingBinding[]): void {
  for (const b of already)
    for (const p of sharing)
      demote(
        p,
        `${company.identifier} is already bound to customer "${b.customer}" (${b.where}); usage would add up on one agreement`,
      );
  if (sharing.length < 2) return;
  const exact = sharing.filter((p) => p.match.best!.nameScore === 1);
  const keeper = exact.length === 1 && already.length === 0 ? exact[0] : undefined;
  for (const p of sharing) {
    if (p === keeper) p.notes.push(`${company.identifier} is also proposed for ${others(sharing, p)}, left for review`);
    else
      demote(
        p,
        `${company.identifier} is also proposed for ${others(sharing, p)}; bind one, or all if they share the agreement`,
      );
  }
}

const others = (sharing: Proposal[], p: Proposal) =>
  sharing
    .filter((o) => o !== p)
    .map((o) => `"${o.customer.name}"`)
    .join(', ');

function demote(p: Proposal, note: string): void {
  if (p.verdict === 'accepted') p.verdict = 'review';
  p.notes.push(note);
}
