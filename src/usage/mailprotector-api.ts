/**
 * Everything cwsync assumes about Mailprotector's v1 REST API, in one place, each with its
 * evidence. "Ref" is shared/reference/mailprotector-and-peers.md, §2 "API" and §2 "What the
 * evidence says about shapes and paging" (called "Ref shapes" below). None of it was checked
 * against a live account, so every answer is checked against these assumptions before use and
 * anything else is an error naming the call, never "nothing there". `cwsync doctor --shapes`
 * (mailprotector-shapes.ts) reports which of them a tenant's real answers confirm.
 */
/** One assumption: a stable id for `doctor --shapes`, what we assume, and why. */
export interface Assumption {
  id: string;
  says: string;
  evidence: string;
}

/** The page size cwsync asks for: the evidenced default, so a server that ignores `per_page` pages the same. */
export const PER_PAGE = 25;
/** No list is read past this many pages (50,000 records): hitting it is an error, never a truncation. */
export const MAX_PAGES = 2000;

const a = (id: string, says: string, evidence: string): Assumption => ({ id, says, evidence });

export const ASSUMPTIONS = {
  base: a(
    'auth',
    '`Authorization: Bearer <key>` on every request (default base https://emailservice.io/api/v1)',
    'Ref §2 API [M13-config][M13]',
  ),
  noTrailingSlash: a(
    'no-trailing-slash',
    'paths never end in a slash and redirects are not followed: a trailing-slash redirect drops the auth header',
    'Ref §2 API [M13-http]',
  ),
  hierarchy: a(
    'hierarchy',
    'reseller -> customers -> domains -> user groups (with user_count) -> services',
    'Ref §2 Hierarchy [M13-scopes], endpoints [M13]',
  ),
  list: a(
    'list',
    'a list answers a JSON array of objects (an object holding the array under `data` or the resource name is also read)',
    'Ref shapes; the SDK returns list answers as arrays [M13 src/resources/*.ts]; the envelope has no evidence and is only tolerated',
  ),
  ids: a('ids', 'every record of a list has a numeric `id`', 'Ref §2 API: ids in every path; [M13-types]'),
  customer: a('customer', 'a customer has `id` and `name`', 'Ref §2 Hierarchy [M13-types accounts.ts]'),
  domain: a(
    'domain',
    'a domain has `id`, `name`; an alias is a domain with a non-null `parent` (skipped, so users count once); at the reseller level each domain names its customer in `account`',
    "Ref §2 Hierarchy [M13-types domains.ts]; the SDK fixtures (from the docs' example answers) show `account` on a domain and an alias `parent: {id: 102}`; `account` is still used only when every domain has it, else domains are listed per customer",
  ),
  groupOnce: a(
    'group-once',
    "a user group id names one group: a customer's group is counted once however many of its domains list it, so an alias domain answered without `parent` (listing its parent's groups) adds no users",
    "SPEC §3; group ids are the API's own (GET /user_groups/{id}/services); the SDK's user group names its one `domain`",
  ),
  userGroup: a(
    'user-group',
    'a user group has `id`, `name` and a non-negative integer `user_count` (a digit string is read too)',
    'Ref §2 How it is counted [M12-ug][M13]',
  ),
  userCount: a(
    'user-count',
    '`user_count` is the number of users of the group Mailprotector bills for: it is taken as it comes, never recounted by user type (see the note on what `user_count` is taken to mean, above `paths`)',
    'UNCONFIRMED: Ref shapes "User types" (1 User, 2 Alias, 3 Mailing List, 11 Unlicensed User): which types it counts is not documented; the knowledge base says user types "can have direct effects on functionality and billing" [M4]',
  ),
  servicesObject: a(
    'services-object',
    "a group's services may answer one object `{ service_type: string, ... }`",
    'Ref shapes: the SDK types GET /user_groups/{id}/services as one object',
  ),
  servicesList: a(
    'services-list',
    "a group's services may answer a JSON array of `{ service_type: string }` objects (empty = no services)",
    'Ref shapes: a third-party description says an array',
  ),
  servicesPutForm: a(
    'services-put-form',
    "a group's services may answer `{ hosting, addons: [...] }` of slugs, bare or under `service_types`",
    'Ref shapes and §2 How it is counted: the services PUT body [M13][M14]',
  ),
  page: a('page', 'lists take a 1-based `page`', 'Ref §2 API [M13-common]'),
  perPage: a(
    'per-page',
    `lists take \`per_page\`; cwsync sends the default, ${PER_PAGE}, so a page is full whether or not the server honours it`,
    'Ref shapes: per_page defaults to 25 (third-party, live use); max 50 on messages [M13-common]',
  ),
  xPagination: a(
    'x-pagination',
    'a list answer carries an `X-Pagination` header holding JSON page figures (total, total_pages, ...); its key names are guessed',
    'Ref shapes: header present, key names undocumented',
  ),
  pastTheEnd: a(
    'past-the-end',
    'a page past the end answers an empty list, the last page again, `out_of_range`, or 404; each ends the list, but a 404 right after a full page is an error (it may hide the rest), and without X-Pagination a short page ends a list only once the next request finds nothing',
    'Ref shapes: undocumented, a client must stop on each; SPEC §3 "Paging always ends, and proves its end"',
  ),
  noLink: a(
    'no-link',
    'no `Link` or `Total` headers: they are ignored when present',
    'Ref shapes: nothing supports Link or Total headers',
  ),
} as const satisfies Record<string, Assumption>;

/**
 * What `user_count` is taken to mean (SPEC §3; reference §2 "User types"). cwsync bills a user
 * group's `user_count` as it comes: the users Mailprotector itself counts for that group. It
 * does not recount by user type, because no evidence says which types are billed:
 * - the v1 API knows user types 1 User, 2 Alias, 3 Mailing List and 11 Unlicensed User (the
 *   SDK's types and its docs-derived fixtures, where an alias is a user with a `parent` and
 *   `user_type {id: 2, name: 'Alias'}`);
 * - Mailprotector's knowledge base says user types "can have direct effects on functionality and
 *   billing" [M4], but the article body could not be read; so aliases and mailing lists may be
 *   in `user_count` (and billed by Mailprotector) or not, and which is undocumented;
 * - the SDK fixture's group "CloudMail with Bracket" has `user_count: 56`, with no breakdown.
 * Taking the count as given keeps the bill equal to what Mailprotector reports for the group
 * (the partner's own invoice is per user group and service); recounting `/users` by type would
 * guess a rule nobody documented. If a tenant shows the count includes types it does not bill,
 * that is a change to this one place, and `cwsync doctor --shapes` is where to look first.
 */
export const paths = {
  customers: (reseller: number) => `/resellers/${reseller}/customers`,
  resellerDomains: (reseller: number) => `/resellers/${reseller}/domains`,
  customerDomains: (customer: number) => `/customers/${customer}/domains`,
  userGroups: (domain: number) => `/domains/${domain}/user_groups`,
  services: (userGroup: number) => `/user_groups/${userGroup}/services`,
  /** Read by `doctor --shapes` only: which user types a group holds (M10), never for counting. */
  users: (userGroup: number) => `/user_groups/${userGroup}/users`,
};

export const pageQuery = (page: number, perPage = PER_PAGE) => `?page=${page}&per_page=${perPage}`;

interface MpRef {
  id: number;
}

export interface MpCustomerRecord {
  id: number;
  name?: string;
}

export interface MpDomainRecord {
  id: number;
  name?: string;
  account?: MpRef;
  /** Set for a domain alias. */
  parent?: MpRef;
}

interface MpUserGroupRecord {
  id: number;
  name?: string;
  user_count: number;
}

/** The lists cwsync reads, by resource name: what each record must hold. */
export type ListKind = 'customers' | 'domains' | 'user_groups';

/** A record checker: the typed record, or why it does not fit (never quoting a value). */
type Check<T> = (raw: Record<string, unknown>) => T | string;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const optionalString = (v: unknown): v is string | undefined | null =>
  v === undefined || v === null || typeof v === 'string';

function refOf(v: unknown): MpRef | undefined | string {
  if (v === undefined || v === null) return undefined;
  if (isObject(v) && isId(v.id)) return { id: v.id };
  if (isId(v)) return { id: v };
  return 'is not a reference {id: number}';
}

const checkCustomer: Check<MpCustomerRecord> = (r) => {
  if (!isId(r.id)) return 'has no numeric id';
  if (!optionalString(r.name)) return 'has a name that is not a string';
  return { id: r.id, ...(typeof r.name === 'string' ? { name: r.name } : {}) };
};

const checkDomain: Check<MpDomainRecord> = (r) => {
  if (!isId(r.id)) return 'has no numeric id';
  if (!optionalString(r.name)) return 'has a name that is not a string';
  const account = refOf(r.account);
  const parent = refOf(r.parent);
  if (typeof account === 'string') return `has an account that ${account}`;
  if (typeof parent === 'string') return `has a parent that ${parent}`;
  return {
    id: r.id,
    ...(typeof r.name === 'string' ? { name: r.name } : {}),
    ...(account ? { account } : {}),
    ...(parent ? { parent } : {}),
  };
};

/** A user count: a non-negative integer, or its digits as a string. */
function userCountOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  return undefined;
}

const checkUserGroup: Check<MpUserGroupRecord> = (r) => {
  if (!isId(r.id)) return 'has no numeric id';
  if (!optionalString(r.name)) return 'has a name that is not a string';
  const users = userCountOf(r.user_count);
  if (users === undefined) return 'has no user_count that is a non-negative integer';
  return { id: r.id, ...(typeof r.name === 'string' ? { name: r.name } : {}), user_count: users };
};

const CHECKS: { [K in ListKind]: Check<RecordOf<K>> } = {
  customers: checkCustomer,
  domains: checkDomain,
  user_groups: checkUserGroup,
};

export type RecordOf<K extends ListKind> = K extends 'customers'
  ? MpCustomerRecord
  : K extends 'domains'
    ? MpDomainRecord
    : MpUserGroupRecord;

/** What a list record must look like, for error messages. */
export const EXPECTED: Record<ListKind | 'services', string> = {
  customers: 'a JSON list of customers {id: number, name: string}',
  domains: 'a JSON list of domains {id: number, name: string, parent: null | {id}}',
  user_groups: 'a JSON list of user groups {id: number, name: string, user_count: number}',
  services:
    'a JSON list of services {service_type: string}, one service object {service_type: string}, or {hosting, addons: [...]}',
};

/** The array of a list answer: the body itself, or under `data` or the resource's name; undefined if neither. */
export function listOf(body: unknown, resource: string): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (isObject(body)) for (const key of ['data', resource]) if (Array.isArray(body[key])) return body[key];
  return undefined;
}

/** The records of one page, each checked; a string says why the page cannot be read. */
export function parseList<K extends ListKind>(body: unknown, kind: K): RecordOf<K>[] | string {
  const list = listOf(body, kind);
  if (!list) return 'not a list';
  const out: RecordOf<K>[] = [];
  for (const [i, raw] of list.entries()) {
    if (!isObject(raw)) return `record ${i + 1} is not an object`;
    const rec = CHECKS[kind](raw) as RecordOf<K> | string;
    if (typeof rec === 'string') return `record ${i + 1} ${rec}`;
    out.push(rec);
  }
  return out;
}

export type ServicesForm = 'list' | 'object' | 'put-form';

type ServiceNames = { names: string[]; form: ServicesForm };

/** Service names of a user group from any of the three evidenced shapes, or why the answer is none of them. */
export function parseServices(body: unknown): ServiceNames | string {
  const list = listOf(body, 'services');
  if (list) return servicesOfList(list);
  if (!isObject(body)) return 'neither a list nor an object';
  if ('service_type' in body) {
    if (!nonEmpty(body.service_type)) return 'an object whose service_type is not a string';
    return { names: [body.service_type.trim()], form: 'object' };
  }
  const put = isObject(body.service_types) ? body.service_types : body;
  if ('hosting' in put || 'addons' in put) return servicesOfPutForm(put.hosting, put.addons);
  return 'an object with neither service_type nor hosting/addons';
}

/** A list of service objects, each with a service_type. */
function servicesOfList(list: unknown[]): ServiceNames | string {
  const names: string[] = [];
  for (const [i, raw] of list.entries()) {
    if (!isObject(raw) || !nonEmpty(raw.service_type)) return `service ${i + 1} has no service_type string`;
    names.push(raw.service_type.trim());
  }
  return { names, form: 'list' };
}

/** The services PUT form: a hosting slug and a list of add-on slugs, either absent or null. */
function servicesOfPutForm(hosting: unknown, addons: unknown): ServiceNames | string {
  if (hosting !== undefined && hosting !== null && !nonEmpty(hosting)) return 'a hosting that is not a string';
  if (addons !== undefined && addons !== null && !(Array.isArray(addons) && addons.every(nonEmpty)))
    return 'addons that are not a list of strings';
  const names = [hosting, ...((addons as unknown[] | null | undefined) ?? [])].filter(nonEmpty).map((s) => s.trim());
  return { names, form: 'put-form' };
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/** The page figures of an `X-Pagination` header, whatever its key names; undefined when absent or unreadable. */
export interface PageFigures {
  page?: number;
  perPage?: number;
  /** Records in the whole list. */
  total?: number;
  totalPages?: number;
  /** The server says this page is the last (`last_page: true`, `next_page: null`). */
  last?: boolean;
  /** The server says the page asked for is past the end. */
  outOfRange?: boolean;
  /** The header's key names, for `doctor --shapes`. */
  keys: string[];
}

const KEYS = {
  page: ['page', 'current_page', 'currentpage', 'page_number'],
  perPage: ['per_page', 'perpage', 'page_size', 'pagesize', 'limit'],
  total: ['total', 'total_count', 'totalcount', 'total_entries', 'total_items', 'totalitems'],
  totalPages: ['total_pages', 'totalpages', 'pages', 'page_count', 'pagecount'],
};

/** Reads `X-Pagination` (a JSON object) tolerantly: numbers or digit strings under common key names. */
export function pageFiguresOf(headers: Headers): PageFigures | undefined {
  const raw = headers.get('x-pagination');
  if (raw === null) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(doc)) return undefined;
  const byKey = new Map(Object.entries(doc).map(([k, v]) => [k.toLowerCase(), v]));
  const num = (names: string[]) => {
    for (const n of names) {
      const v = byKey.get(n);
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
      if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
    }
    return undefined;
  };
  const figures: PageFigures = { keys: Object.keys(doc) };
  const set = <K extends keyof PageFigures>(k: K, v: PageFigures[K] | undefined) => {
    if (v !== undefined) figures[k] = v;
  };
  set('page', num(KEYS.page));
  set('perPage', num(KEYS.perPage));
  set('total', num(KEYS.total));
  // `last_page` is a flag in some servers (pager_api) and a page number in others.
  const lastPage = byKey.get('last_page') ?? byKey.get('lastpage');
  set('totalPages', num(KEYS.totalPages) ?? (typeof lastPage === 'number' ? lastPage : undefined));
  if (lastPage === true || (byKey.has('next_page') && byKey.get('next_page') === null)) figures.last = true;
  if (byKey.get('out_of_range') === true) figures.outOfRange = true;
  return figures;
}

/** How many pages the list has, when the first page's figures say so. */
export function announcedPages(figures: PageFigures | undefined, firstPageLength: number): number | undefined {
  if (!figures) return undefined;
  if (figures.totalPages !== undefined) return figures.totalPages;
  if (figures.total === undefined) return undefined;
  const perPage = figures.perPage ?? (figures.total > firstPageLength ? firstPageLength : undefined);
  if (figures.total === 0) return 0;
  return perPage ? Math.ceil(figures.total / perPage) : undefined;
}

/** The headers of a list answer that bear on paging, for `doctor --shapes`: names, never values. */
export const PAGING_HEADERS = [
  'x-pagination',
  'link',
  'total',
  'x-total',
  'x-total-count',
  'x-total-pages',
  'per-page',
];
