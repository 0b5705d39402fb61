/**
 * `cwsync doctor --shapes` for Mailprotector: one real answer of each endpoint cwsync reads,
 * described by structure only (status, content type, list or object, keys and value types,
 * paging headers present; never a value), and which of the adapter's assumptions
 * (mailprotector-api.ts) it confirms or contradicts. An MSP can run it against its tenant in
 * a minute and paste the result into a report: it holds no names, ids, counts or secrets.
 */
import { HttpError, NetworkError } from '../http/errors.js';
import { describeShape, type ShapeRow, shapeRow } from '../http/shape.js';
import type { HttpResponse } from '../http/transport.js';
import type { MailprotectorUsageSource } from './mailprotector.js';
import {
  ASSUMPTIONS,
  type Assumption,
  type ListKind,
  listOf,
  PAGING_HEADERS,
  PER_PAGE,
  pageFiguresOf,
  pageQuery,
  parseList,
  parseServices,
  paths,
  type RecordOf,
} from './mailprotector-api.js';
import { ADDONS } from './mailprotector-services.js';

/** One endpoint's row: the same shape as ConnectWise's, so doctor --shapes prints both alike. */
export type EndpointShape = ShapeRow;

const said = (x: Assumption, note?: string) => `${x.id}: ${x.says}${note ? ` (${note})` : ''}`;

/** Reads one page of each endpoint, walking down from the reseller's first customer; never throws for an HTTP failure. */
export async function describeMailprotectorShapes(source: MailprotectorUsageSource): Promise<EndpointShape[]> {
  const reseller = source.reseller;
  const out: EndpointShape[] = [];
  const customers = await examineList(
    source,
    out,
    'GET /resellers/{id}/customers',
    paths.customers(reseller),
    'customers',
  );
  await examineList(source, out, 'GET /resellers/{id}/domains', paths.resellerDomains(reseller), 'domains');
  const customer = customers?.[0];
  const domains = customer
    ? await examineList(source, out, 'GET /customers/{id}/domains', paths.customerDomains(customer.id), 'domains')
    : notRead(
        out,
        'GET /customers/{id}/domains',
        customers ? 'the reseller has no customers' : 'no customer list to start from',
      );
  const domain = domains?.find((d) => !d.parent);
  const groups = domain
    ? await examineList(source, out, 'GET /domains/{id}/user_groups', paths.userGroups(domain.id), 'user_groups')
    : notRead(
        out,
        'GET /domains/{id}/user_groups',
        domains ? 'the customer has no domain other than aliases' : 'no domain list to start from',
      );
  const group = groups?.find((g) => g.user_count > 0) ?? groups?.[0];
  if (group) {
    await examineServices(source, out, paths.services(group.id));
    await examineUserTypes(source, out, paths.users(group.id));
  } else
    for (const endpoint of ['GET /user_groups/{id}/services', 'GET /user_groups/{id}/users'])
      notRead(out, endpoint, groups ? 'the domain has no user group' : 'no user-group list to start from');
  return out;
}

function notRead(out: EndpointShape[], endpoint: string, why: string): undefined {
  out.push({ endpoint, shape: `not read: ${why}`, headers: [], confirms: [], differs: [] });
  return undefined;
}

/** One answer, or an entry saying why there is none. */
async function fetchOne(
  source: MailprotectorUsageSource,
  out: EndpointShape[],
  endpoint: string,
  path: string,
): Promise<HttpResponse | undefined> {
  try {
    return await source.answer(path, `doctor --shapes ${endpoint}`);
  } catch (err) {
    const { shape, differs } = failureShape(err);
    out.push({ endpoint, shape, headers: [], confirms: [], differs });
    return undefined;
  }
}

/** A call that failed, by its status or kind (never its words); a refused key or role says so. */
function failureShape(err: unknown): { shape: string; differs: string[] } {
  if (err instanceof HttpError) {
    const differs: Record<number, string> = {
      403: "the API key's role cannot read this endpoint",
      401: 'the API key was refused',
    };
    return { shape: `HTTP ${err.status}`, differs: differs[err.status] ? [differs[err.status]!] : [] };
  }
  return {
    shape: err instanceof NetworkError ? 'no answer' : `failed: ${err instanceof Error ? err.name : 'error'}`,
    differs: [],
  };
}

/** A row for one endpoint's answer, added to the output. */
function newEntry(out: EndpointShape[], endpoint: string, res: HttpResponse): EndpointShape {
  const entry = shapeRow(endpoint, res, headersOf(res));
  out.push(entry);
  return entry;
}

function headersOf(res: HttpResponse): string[] {
  const type = res.headers.get('content-type');
  const out = [`content-type: ${type ? type.split(';')[0]!.trim().slice(0, 60) : 'none'}`];
  for (const name of PAGING_HEADERS) {
    const value = res.headers.get(name);
    if (value === null) continue;
    if (name !== 'x-pagination') out.push(name);
    else {
      let doc: unknown;
      try {
        doc = JSON.parse(value);
      } catch {
        doc = 'not JSON';
      }
      out.push(`x-pagination ${typeof doc === 'string' ? doc : describeShape(doc)}`);
    }
  }
  return out;
}

async function examineList<K extends ListKind>(
  source: MailprotectorUsageSource,
  out: EndpointShape[],
  endpoint: string,
  path: string,
  kind: K,
): Promise<RecordOf<K>[] | undefined> {
  const res = await fetchOne(source, out, endpoint, `${path}${pageQuery(1)}`);
  if (!res) return undefined;
  const entry = newEntry(out, endpoint, res);
  if (out.length === 1) entry.confirms.push(said(ASSUMPTIONS.base));
  const records = parseList(res.body, kind);
  if (typeof records === 'string') {
    entry.differs.push(`${said(ASSUMPTIONS.list)}: this answer is ${records}, so cwsync fails this call`);
    return undefined;
  }
  if (Array.isArray(res.body)) entry.confirms.push(said(ASSUMPTIONS.list));
  else entry.differs.push(`${ASSUMPTIONS.list.id}: the list came in an envelope object, not bare (read all the same)`);
  if (records.length > 0) confirmRecords(entry, kind, records, endpoint);
  examinePaging(entry, res, listOf(res.body, kind)?.length ?? 0);
  return records;
}

/** A list with records confirms the ids, and the fields cwsync reads of its kind. */
function confirmRecords<K extends ListKind>(entry: EndpointShape, kind: K, records: RecordOf<K>[], endpoint: string) {
  entry.confirms.push(said(ASSUMPTIONS.ids));
  const fields =
    kind === 'customers' ? ASSUMPTIONS.customer : kind === 'user_groups' ? ASSUMPTIONS.userGroup : undefined;
  if (fields) entry.confirms.push(said(fields));
  if (kind === 'domains') examineDomains(entry, records as RecordOf<'domains'>[], endpoint);
}

function examineDomains(entry: EndpointShape, domains: RecordOf<'domains'>[], endpoint: string): void {
  if (!endpoint.includes('/resellers/')) {
    entry.confirms.push(said(ASSUMPTIONS.domain, 'id, name and parent read'));
    return;
  }
  if (domains.every((d) => d.account)) entry.confirms.push(said(ASSUMPTIONS.domain, 'every domain names its account'));
  else
    entry.differs.push(
      `${ASSUMPTIONS.domain.id}: not every domain names its account, so cwsync lists domains per customer (one request per customer instead of one per ${PER_PAGE} domains)`,
    );
}

function examinePaging(entry: EndpointShape, res: HttpResponse, length: number): void {
  const figures = pageFiguresOf(res.headers);
  if (res.headers.get('x-pagination') === null)
    entry.differs.push(
      `${ASSUMPTIONS.xPagination.id}: no X-Pagination header; cwsync reads page by page until a request finds nothing more (one request more per list)`,
    );
  else if (!figures)
    entry.differs.push(
      `${ASSUMPTIONS.xPagination.id}: X-Pagination is not a JSON object; cwsync reads page by page until a request finds nothing more`,
    );
  else if (figures.total === undefined && figures.totalPages === undefined)
    entry.differs.push(
      `${ASSUMPTIONS.xPagination.id}: X-Pagination has none of the total keys cwsync knows (keys: ${figures.keys.length}); it reads page by page`,
    );
  else entry.confirms.push(said(ASSUMPTIONS.xPagination));
  if (length > PER_PAGE || (figures?.perPage !== undefined && figures.perPage !== PER_PAGE))
    entry.differs.push(
      `${ASSUMPTIONS.perPage.id}: pages are not ${PER_PAGE} records for per_page=${PER_PAGE}; cwsync reads at the server's size, judging a page short against the largest seen`,
    );
  else if (figures?.perPage === PER_PAGE) entry.confirms.push(said(ASSUMPTIONS.perPage));
  if (res.headers.get('link') === null && res.headers.get('total') === null)
    entry.confirms.push(said(ASSUMPTIONS.noLink));
  else entry.differs.push(`${ASSUMPTIONS.noLink.id}: Link or Total headers are present; cwsync does not use them`);
}

async function examineServices(source: MailprotectorUsageSource, out: EndpointShape[], path: string): Promise<void> {
  const endpoint = 'GET /user_groups/{id}/services';
  const res = await fetchOne(source, out, endpoint, path);
  if (!res) return;
  const entry = newEntry(out, endpoint, res);
  const parsed = parseServices(res.body);
  if (typeof parsed === 'string') {
    entry.differs.push(
      `services: this answer is ${parsed}, none of the three evidenced forms (${[ASSUMPTIONS.servicesObject, ASSUMPTIONS.servicesList, ASSUMPTIONS.servicesPutForm].map((x) => x.id).join(', ')}), so cwsync fails this call`,
    );
    return;
  }
  if (parsed.form === 'object') {
    // Read, but it cannot show the add-ons: a DIFFERS worth reporting (SPEC §3).
    entry.differs.push(
      `${ASSUMPTIONS.servicesObject.id}: the services came as one object, which shows one service, so the add-ons a group may carry (${ADDONS.join(', ')}) cannot be seen: every plan warns naming those groups, and a binding that bills an add-on is an error`,
    );
    return;
  }
  const form = parsed.form === 'list' ? ASSUMPTIONS.servicesList : ASSUMPTIONS.servicesPutForm;
  entry.confirms.push(said(form));
  if (parsed.form === 'list' && !Array.isArray(res.body))
    entry.differs.push(
      `${ASSUMPTIONS.servicesList.id}: the list came in an envelope object, not bare (read all the same)`,
    );
}

/** The user types of the API (reference §2 "User types"), by id: names only, never a user's data. */
const USER_TYPES: Record<number, string> = { 1: 'User', 2: 'Alias', 3: 'Mailing List', 11: 'Unlicensed User' };

/**
 * Which user types the group's first page of users holds (M10: which types `user_count` counts
 * is undocumented). Only type names are reported, never users, addresses or counts.
 */
async function examineUserTypes(source: MailprotectorUsageSource, out: EndpointShape[], path: string): Promise<void> {
  const endpoint = 'GET /user_groups/{id}/users';
  const res = await fetchOne(source, out, endpoint, `${path}${pageQuery(1)}`);
  if (!res) return;
  const entry = newEntry(out, endpoint, res);
  const list = listOf(res.body, 'users');
  if (!list) {
    entry.differs.push(`${ASSUMPTIONS.userCount.id}: the users answer is not a list, so the user types cannot be told`);
    return;
  }
  const types = new Set<string>();
  for (const u of list) {
    const t = u !== null && typeof u === 'object' ? (u as { user_type?: { id?: unknown } }).user_type : undefined;
    const id = typeof t?.id === 'number' ? t.id : undefined;
    types.add(id === undefined ? 'no user_type' : (USER_TYPES[id] ?? `type id ${id}`));
  }
  const others = [...types].filter((t) => t !== 'User').sort();
  if (others.length === 0)
    entry.confirms.push(said(ASSUMPTIONS.userCount, 'the first page holds users of type User only'));
  else
    entry.differs.push(
      `${ASSUMPTIONS.userCount.id}: this group's users include ${others.join(', ')}: whether user_count counts them, and whether Mailprotector bills them, is undocumented; cwsync bills user_count as reported, so compare this group's user_count with its line on your Mailprotector invoice`,
    );
}
