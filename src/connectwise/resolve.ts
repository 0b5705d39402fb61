/**
 * Turns the names in the config into ConnectWise IDs (SPEC section 3), in bulk: names are
 * looked up with batched `in (...)` lists, or the whole list is read when that takes fewer
 * pages, so the request count follows pages, not names. Every failure is collected.
 */

import { groupBy } from '../collections.js';
import { lookAlikeAmong, suggestionFor } from '../config/suggest.js';
import type { Binding } from '../config/types.js';
import type { CompanyRef, ProductRef, ResolvedBinding, Unresolved } from '../reconcile/ports.js';
import { type ConnectWiseClient, PAGE_SIZE } from './client.js';
import { and, batchIn, eq, inList, queryString, type Value } from './conditions.js';
import type { Agreement, CatalogItem, Company } from './types.js';

// The reconciler's own words for what resolution yields: this adapter speaks them.

/** A name that could not be resolved: one binding's (customer, company, agreement), or a catalog item's (binding null). */
export type Failure = Unresolved;

const fail = (binding: Binding | null, message: string, company?: { id: number }, fix?: string): Failure => ({
  binding,
  message,
  ...(company ? { company: { id: company.id } } : {}),
  ...(fix ? { fix } : {}),
});

export interface Resolution {
  bindings: ResolvedBinding[];
  /** Keyed by the identifier as written in services.yaml. */
  products: Map<string, ProductRef>;
}

const MAX_URL = 2000;

/**
 * Records whose `field` is one of `values` (plus `extra`), choosing between batched in-lists
 * and reading every page, whichever needs fewer requests. `all` says which one was used.
 */
async function fetchMatching<T>(
  client: ConnectWiseClient,
  path: string,
  field: string,
  values: Value[],
  extra: string | undefined,
  read: (conditions: string | undefined) => Promise<T[]>,
): Promise<{ rows: T[]; all: boolean }> {
  if (values.length === 0) return { rows: [], all: false };
  const base = await client.baseUrl();
  const urlFor = (c: string) =>
    `${base}${path}${queryString({ conditions: and(c, extra), fields: 'id,identifier,name,company,agreementStatus,cancelledFlag,deletedFlag', pageSize: PAGE_SIZE, pageId: 9_999_999 })}`;
  const batches = batchIn(field, values, urlFor, MAX_URL);
  if (batches.length > 2) {
    const total = await client.count(path, extra, `count ${path.split('/').pop()}`);
    if (Math.ceil(total / PAGE_SIZE) < batches.length) return { rows: await read(undefined), all: true };
  }
  const rows: T[] = [];
  for (const batch of batches) rows.push(...(await read(inList(field, batch))));
  return { rows, all: false };
}

/**
 * Where names are looked up: ConnectWise itself (below), or a snapshot of it
 * (target-snapshot.ts). The rules that follow (deleted and cancelled excluded, exact matches,
 * ambiguity, did-you-mean) are the same whichever answers.
 */
export interface Directory {
  /** Companies whose `field` is one of `values` (deleted ones may come too); `all` when every company was read. */
  companies(field: 'identifier' | 'name', values: string[]): Promise<{ rows: Company[]; all: boolean }>;
  allCompanies(): Promise<Company[]>;
  /** Agreements whose `field` is one of `values` (cancelled ones may come too). */
  agreements(field: 'company/id' | 'id', values: number[]): Promise<Agreement[]>;
  /** Catalog items whose identifier is one of these, active or not. */
  catalogItems(identifiers: string[]): Promise<CatalogItem[]>;
}

/** ConnectWise as the directory: batched `in (...)` lists, or every page when that takes fewer requests. */
export function liveDirectory(client: ConnectWiseClient): Directory {
  return {
    companies: (field, values) =>
      fetchMatching(client, '/company/companies', field, values, eq('deletedFlag', false), (c) => client.companies(c)),
    allCompanies: () => client.companies(undefined),
    agreements: async (field, values) =>
      (
        await fetchMatching(client, '/finance/agreements', field, values, eq('cancelledFlag', false), (c) =>
          client.agreements(c),
        )
      ).rows,
    catalogItems: async (identifiers) =>
      (
        await fetchMatching<CatalogItem>(client, '/procurement/catalog', 'identifier', identifiers, undefined, (c) =>
          client.catalogItems(c ?? ''),
        )
      ).rows,
  };
}

const list = (items: string[], max = 8) =>
  items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');

/** Companies not deleted, by exact name. */
const liveByName = (rows: readonly Company[]) => groupBy(rows, (c) => (c.deletedFlag !== true ? c.name : undefined));

async function resolveCompanies(
  client: Directory,
  bindings: Binding[],
  failures: Failure[],
): Promise<Map<string, Company>> {
  const refs = [...new Set(bindings.map((b) => b.company))];
  const found = new Map<string, Company>();
  const byIdentifier = await client.companies('identifier', refs);
  // The conditions exclude deleted companies; checked again here, in case a server ignored them.
  // Identifiers compare in any case; the first company read wins, as a scan would find it.
  const identifiers = groupBy(byIdentifier.rows, (c) =>
    c.deletedFlag !== true ? c.identifier.toLowerCase() : undefined,
  );
  for (const ref of refs) {
    const hit = identifiers.get(ref.toLowerCase())?.[0];
    if (hit) found.set(ref, hit);
  }
  const misses = refs.filter((r) => !found.has(r));
  if (misses.length > 0) await resolveByName(client, bindings, misses, byIdentifier, found, failures);
  return found;
}

/** Company refs no identifier matched: by exact name, or each binding naming them fails. */
async function resolveByName(
  client: Directory,
  bindings: Binding[],
  misses: string[],
  byIdentifier: { rows: Company[]; all: boolean },
  found: Map<string, Company>,
  failures: Failure[],
): Promise<void> {
  const byName = byIdentifier.all ? byIdentifier : await client.companies('name', misses);
  const names = liveByName(byName.rows);
  // A name found nowhere is most likely a typo: read every company once (only then) to suggest one.
  const unknown = misses.filter((ref) => !names.has(ref));
  const everyone = byName.all || unknown.length === 0 ? byName.rows : await client.allCompanies();
  const candidates =
    unknown.length === 0 ? [] : everyone.filter((c) => c.deletedFlag !== true).flatMap((c) => [c.identifier, c.name]);
  const bindingsOf = groupBy(bindings, (b) => b.company);
  for (const ref of misses) {
    const hits = names.get(ref) ?? [];
    // Every binding naming this company gets the failure, not only the first: none may vanish.
    const failEach = (message: string, fix?: string) => {
      for (const b of bindingsOf.get(ref) ?? []) failures.push(fail(b, message, undefined, fix));
    };
    if (hits.length === 1) found.set(ref, hits[0]!);
    else if (hits.length > 1)
      failEach(
        `company name "${ref}" matches ${hits.length} companies: ${list(hits.map((h) => `${h.identifier} (id ${h.id})`))}; use the identifier instead`,
      );
    else {
      const suggestion = suggestionFor(ref, candidates);
      failEach(
        `no company has the identifier or exact name "${ref}" (deleted companies excluded)`,
        suggestion ?? 'write the company identifier shown in ConnectWise (Companies), or its exact name',
      );
    }
  }
}

const DEFAULT_AGREEMENT_STATUSES: readonly string[] = ['Active'];

/**
 * Why an agreement that was found may not be billed: its status is not one policy allows (an
 * Expired or Inactive agreement may never invoice what is added to it). Undefined when it may.
 */
function statusRefusal(a: Agreement, company: Company, allowed: readonly string[]): string | undefined {
  if (a.agreementStatus && allowed.includes(a.agreementStatus)) return undefined;
  const status = a.agreementStatus ? `is ${a.agreementStatus}` : 'has no agreementStatus in its answer';
  return `agreement "${a.name}" (id ${a.id}) under ${company.identifier} ${status}; policy.agreementStatuses allows ${allowed.join(', ')}`;
}

const STATUS_FIX =
  'bind an agreement that invoices, reactivate this one in ConnectWise, or add its status to policy.agreementStatuses in cwsync.yaml if ConnectWise does invoice it';

async function resolveAgreements(
  client: Directory,
  bindings: Binding[],
  companies: Map<string, Company>,
  failures: Failure[],
  allowed: readonly string[],
): Promise<ResolvedBinding[]> {
  const live = bindings.filter((b) => companies.has(b.company));
  const byName = live.filter((b) => typeof b.agreement === 'string');
  const byId = live.filter((b) => typeof b.agreement !== 'string');
  const companyIds = [...new Set(byName.map((b) => companies.get(b.company)!.id))];
  // The conditions exclude cancelled agreements; checked again here, in case a server ignored them.
  const notCancelled = (a: Agreement) => a.agreementStatus !== 'Cancelled' && a.cancelledFlag !== true;
  const underCompanies = (await client.agreements('company/id', companyIds)).filter(notCancelled);
  const ids = byId.map((b) => (b.agreement as { id: number }).id);
  const named = ids.length ? (await client.agreements('id', ids)).filter(notCancelled) : [];

  // By id (the first read wins, as a scan would find it) and by company, once, not per binding.
  const look: AgreementLookup = {
    withId: groupBy(named, (a) => a.id),
    ofCompany: groupBy(underCompanies, (a) => a.company?.id),
    allowed,
    failures,
    resolved: [],
  };
  for (const b of live) {
    const company = companies.get(b.company)!;
    if (typeof b.agreement === 'string') agreementByName(b, b.agreement, company, look);
    else agreementById(b, b.agreement.id, company, look);
  }
  return look.resolved;
}

/** What resolving one binding's agreement looks in, and where its outcome goes. */
interface AgreementLookup {
  withId: Map<number, Agreement[]>;
  ofCompany: Map<number, Agreement[]>;
  allowed: readonly string[];
  failures: Failure[];
  resolved: ResolvedBinding[];
}

const refOf = (company: Company): CompanyRef => ({
  id: company.id,
  identifier: company.identifier,
  name: company.name,
});

function agreementById(b: Binding, id: number, company: Company, look: AgreementLookup): void {
  const hit = look.withId.get(id)?.[0];
  const refused = hit && hit.company?.id === company.id ? statusRefusal(hit, company, look.allowed) : undefined;
  if (!hit) look.failures.push(fail(b, `agreement id ${id} not found, or cancelled`, company));
  else if (hit.company?.id !== company.id)
    look.failures.push(
      fail(
        b,
        `agreement id ${id} belongs to company ${hit.company?.identifier ?? '?'}, not ${company.identifier}`,
        company,
      ),
    );
  else if (refused) look.failures.push(fail(b, refused, company, STATUS_FIX));
  else look.resolved.push({ binding: b, company: refOf(company), agreement: { id: hit.id, name: hit.name } });
}

function agreementByName(b: Binding, name: string, company: Company, look: AgreementLookup): void {
  const mine = look.ofCompany.get(company.id) ?? [];
  const hits = mine.filter((a) => a.name === name);
  const refused = hits.length === 1 ? statusRefusal(hits[0]!, company, look.allowed) : undefined;
  if (refused) look.failures.push(fail(b, refused, company, STATUS_FIX));
  else if (hits.length === 1)
    look.resolved.push({ binding: b, company: refOf(company), agreement: { id: hits[0]!.id, name } });
  else if (hits.length > 1)
    look.failures.push(
      fail(
        b,
        `agreement "${name}" under ${company.identifier} is ambiguous: ids ${hits.map((h) => h.id).join(', ')}; write agreement: { id: N }`,
        company,
      ),
    );
  else {
    const others = mine.map((a) => `"${a.name}" (id ${a.id})`);
    // An agreement name that reads the same as one there but is another string: say so.
    const alike = lookAlikeAmong(
      name,
      mine.map((a) => a.name),
    );
    look.failures.push(
      fail(
        b,
        `no open agreement named "${name}" under company ${company.identifier} (id ${company.id}); ${others.length ? `its agreements: ${list(others)}` : 'it has no open agreements'}`,
        company,
        alike,
      ),
    );
  }
}

async function resolveProducts(
  client: Directory,
  identifiers: string[],
  failures: Failure[],
): Promise<Map<string, ProductRef>> {
  const rows = identifiers.length ? await client.catalogItems(identifiers) : [];
  const products = new Map<string, ProductRef>();
  for (const identifier of identifiers) {
    const matches = rows.filter((r) => r.identifier.toLowerCase() === identifier.toLowerCase());
    const active = matches.filter((r) => !r.inactiveFlag);
    if (active.length === 1)
      products.set(identifier, {
        id: active[0]!.id,
        identifier: active[0]!.identifier,
        unitPrice: typeof active[0]!.price === 'number' ? active[0]!.price : null,
      });
    else if (active.length > 1)
      failures.push(
        fail(
          null,
          `catalog identifier "${identifier}" matches ${active.length} active items: ids ${active.map((a) => a.id).join(', ')}`,
        ),
      );
    else
      failures.push(
        fail(
          null,
          `no active catalog item has the identifier "${identifier}"${matches.length ? ' (it exists but is inactive: reactivate it or map another)' : ''}`,
        ),
      );
  }
  return products;
}

export interface ResolveOptions {
  /** policy.agreementStatuses: the statuses an agreement may be billed in (default Active). */
  agreementStatuses?: readonly string[];
}

/** What resolved, and every failure beside it: one binding's failure is that binding's alone. */
export function resolveEach(
  client: ConnectWiseClient,
  bindings: Binding[],
  productIdentifiers: string[],
  options: ResolveOptions = {},
): Promise<Resolution & { failures: Failure[] }> {
  return resolveIn(liveDirectory(client), bindings, productIdentifiers, options);
}

/** resolveEach against any directory: ConnectWise, or a snapshot of it. */
export async function resolveIn(
  client: Directory,
  bindings: Binding[],
  productIdentifiers: string[],
  options: ResolveOptions = {},
): Promise<Resolution & { failures: Failure[] }> {
  const failures: Failure[] = [];
  const allowed = options.agreementStatuses ?? DEFAULT_AGREEMENT_STATUSES;
  const companies = await resolveCompanies(client, bindings, failures);
  const resolved = await resolveAgreements(client, bindings, companies, failures, allowed);
  const products = await resolveProducts(client, productIdentifiers, failures);
  return { bindings: resolved, products, failures };
}
