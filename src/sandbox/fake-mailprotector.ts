/**
 * A fake Mailprotector v1 API on loopback: Bearer auth, 1-based paging that honours
 * `per_page` (default 25) with an `X-Pagination` header, bare-array bodies, domain aliases, a
 * redirect for trailing slashes, plus the harness's latency, 429s and dropped connections.
 *
 * Records carry the fields of the SDK's fixtures, which are drawn from Mailprotector's own
 * documented example responses (WYRE-AI/node-mailprotector tests/fixtures): customers
 * `{id, name, provider, reseller, ...}`, domains with `account` and `parent`, user groups with
 * `domain {id, name}` and `user_count`, service objects with `user_group` and `domain`.
 *
 * `behaviour` switches it to every other shape and paging behaviour the evidence allows or a
 * faulty server shows (reference §2 "What the evidence says about shapes and paging"), so the
 * adapter can be shown to read each exactly or fail loudly. Switches can change between
 * requests. Answers that are not JSON (an HTML page, a cut-off body, an empty body) are
 * harness faults: see `answerFault`.
 */
import { type FakeServer, type Fault, json, type ParsedRequest, type Reply, startServer } from './harness.js';
import type { MpWorld } from './world.js';

/** Mailprotector's default page size (reference §2), used when a request names none. */
export const MP_PAGE_SIZE = 25;
const MAX_PER_PAGE = 100;

export interface MpBehaviour {
  /**
   * How a user group's services are answered. Default `list`. `object` is the SDK's shape: one
   * service object per group, so a group with add-ons shows its hosting service only (the
   * docs' fixture: a group named "CloudMail with Bracket" answers CloudFilter alone).
   */
  services: 'list' | 'object' | 'put-form' | 'service-types' | 'data';
  /** Which paging headers list answers carry. Default `x-pagination`. */
  pagingHeaders: 'x-pagination' | 'x-pagination-no-totals' | 'link' | 'none';
  /** What a page past the end answers (`out-of-range`: the last page again, flagged so in X-Pagination). Default `empty`. */
  pastTheEnd: 'empty' | 'last-again' | '404' | 'first-again' | 'out-of-range';
  /** Serve page 1 whatever page is asked for. */
  ignorePage: boolean;
  /** Serve pages of this size whatever `per_page` asks. */
  fixedPageSize?: number;
  /** Link headers that always name a next page, the last one pointing back at page 1. */
  circularLinks: boolean;
  /** Answer 404 to every page from this one on, records or not (a faulty server or proxy). */
  notFoundFromPage?: number;
  /** X-Pagination figures (total, total_pages, last_page, next_page) as if the list held this many fewer records (negative: more, an overstated total). */
  understateTotal?: number;
  /** Alias domains come without `parent` (a domain like any other); an alias's user groups are its parent's. */
  aliasWithoutParent?: boolean;
  /** List these user groups under a second domain too (the group record still names its own domain). */
  alsoListed?: Array<{ groupId: number; domainId: number }>;
  /**
   * `GET /user_groups/{id}/users` lists, besides the group's `user_count` users of type 1 User,
   * this many of type 2 Alias (users with a `parent`, as in the SDK's fixtures) per group.
   */
  aliasUsers?: number;
  /** Answer 429 with Retry-After (default 1 s) to requests beyond this many in any second. */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number };
}

export interface FakeMailprotector extends FakeServer {
  world: MpWorld;
  /** The base URL to configure: {origin}/api/v1 */
  apiBase: string;
  behaviour: MpBehaviour;
}

const DEFAULT_MP_BEHAVIOUR: MpBehaviour = {
  services: 'list',
  pagingHeaders: 'x-pagination',
  pastTheEnd: 'empty',
  ignorePage: false,
  circularLinks: false,
};

/** A harness fault answering 200 with a body that is not the JSON asked for. */
export function answerFault(
  kind: 'html' | 'truncated' | 'empty' | 'json-null',
  path: string | RegExp,
  times = 1,
): Fault {
  if (kind === 'html')
    return {
      path,
      times,
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      raw: '<!DOCTYPE html><html><head><title>Proxy login</title></head><body>Sign in to continue</body></html>',
    };
  if (kind === 'truncated') return { path, times, status: 200, raw: '[{"id": 10001, "name": "Customer 0' };
  if (kind === 'empty') return { path, times, status: 200, raw: '' };
  return { path, times, status: 200, raw: 'null' };
}

/** Services sold on top of a hosting service (reference §2: the services PUT takes `{hosting, addons}`). */
const isAddon = (serviceType: string) => /^(bracket|xtramail|securestore)/i.test(serviceType.replace(/\s+/g, ''));

/** `CloudFilter Email Security` -> `cloudfilter_email_security`, as slugs in the services PUT form look. */
const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/ email security| outbound/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

/** per_page as asked, within the API's bounds, unless the behaviour fixes it. */
function pageSizeFor(req: ParsedRequest, behaviour: MpBehaviour): number {
  const asked = Number(req.query.get('per_page') ?? MP_PAGE_SIZE);
  return (
    behaviour.fixedPageSize ?? (Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_PER_PAGE) : MP_PAGE_SIZE)
  );
}

/** The page served for the one asked, as the behaviour says a server treats a page past the end; undefined: a 404. */
function pageToServe(
  req: ParsedRequest,
  behaviour: MpBehaviour,
  last: number,
): { page: number; past: boolean } | undefined {
  const page = behaviour.ignorePage ? 1 : Math.max(1, Number(req.query.get('page') ?? 1) || 1);
  if (behaviour.notFoundFromPage !== undefined && page >= behaviour.notFoundFromPage) return undefined;
  const past = page > last;
  if (!past) return { page, past };
  switch (behaviour.pastTheEnd) {
    case '404':
      return undefined;
    case 'last-again':
    case 'out-of-range':
      return { page: last, past };
    case 'first-again':
      return { page: 1, past };
    default:
      return { page, past };
  }
}

/** The X-Pagination header, with totals (understated if the behaviour says so) or without; undefined when not sent. */
function paginationHeader(
  behaviour: MpBehaviour,
  { page, past, size, total }: { page: number; past: boolean; size: number; total: number },
): string | undefined {
  if (behaviour.pagingHeaders === 'x-pagination-no-totals')
    return JSON.stringify({ page, per_page: size, out_of_range: past });
  if (behaviour.pagingHeaders !== 'x-pagination') return undefined;
  const told = Math.max(0, total - (behaviour.understateTotal ?? 0));
  const toldLast = Math.max(1, Math.ceil(told / size));
  return JSON.stringify({
    page,
    per_page: size,
    total: told,
    total_pages: toldLast,
    last_page: page >= toldLast,
    next_page: page < toldLast ? page + 1 : null,
    out_of_range: past && behaviour.pastTheEnd === 'out-of-range',
  });
}

/** The Link header: first, last and next; or, circular, a next that goes round; undefined when not sent. */
function linkHeader(
  behaviour: MpBehaviour,
  base: string,
  { page, last, size }: { page: number; last: number; size: number },
): string | undefined {
  const link = (p: number, rel: string) => `<${base}?page=${p}&per_page=${size}>; rel="${rel}"`;
  if (behaviour.circularLinks) return link(page < last ? page + 1 : 1, 'next');
  if (behaviour.pagingHeaders !== 'link') return undefined;
  const links = [link(1, 'first'), link(last, 'last')];
  if (page < last) links.push(link(page + 1, 'next'));
  return links.join(', ');
}

export async function startFakeMailprotector(
  world: MpWorld,
  options: { port?: number; latencyMs?: number; behaviour?: Partial<MpBehaviour>; now?: () => number } = {},
): Promise<FakeMailprotector> {
  let origin = '';
  const behaviour: MpBehaviour = { ...DEFAULT_MP_BEHAVIOUR, ...options.behaviour };
  const now = options.now ?? Date.now;
  const index = <K, V>(items: V[], key: (v: V) => K) => {
    const map = new Map<K, V[]>();
    for (const v of items) map.set(key(v), [...(map.get(key(v)) ?? []), v]);
    return map;
  };
  // Indexes are rebuilt when a test reshapes the world between requests.
  let sizes = '';
  let customerById = new Map<number, MpWorld['customers'][number]>();
  let domainById = new Map<number, MpWorld['domains'][number]>();
  let domainsByCustomer = new Map<number, MpWorld['domains']>();
  let groupsByDomain = new Map<number, MpWorld['userGroups']>();
  let groupById = new Map<number, MpWorld['userGroups'][number]>();
  let servicesByGroup = new Map<number, MpWorld['services']>();
  const reindex = () => {
    const state = `${world.customers.length}/${world.domains.length}/${world.userGroups.length}/${world.services.length}`;
    if (state === sizes) return;
    sizes = state;
    customerById = new Map(world.customers.map((c) => [c.id, c]));
    domainById = new Map(world.domains.map((d) => [d.id, d]));
    domainsByCustomer = index(world.domains, (d) => d.customerId);
    groupsByDomain = index(world.userGroups, (g) => g.domainId);
    groupById = new Map(world.userGroups.map((g) => [g.id, g]));
    servicesByGroup = index(world.services, (s) => s.userGroupId);
  };
  const customerRef = (id: number) => {
    const c = customerById.get(id);
    return c ? { id: c.id, name: c.name } : null;
  };
  const domainRef = (id: number) => ({ id, name: domainById.get(id)?.name ?? '' });
  const stamps = { created_at: '2020-01-09T20:19:52.000Z', updated_at: '2026-01-01T02:00:00.000Z' };
  const toDomain = (d: MpWorld['domains'][number]) => ({
    id: d.id,
    name: d.name,
    account: customerRef(d.customerId),
    domain_status: { id: 2, name: 'Active' },
    parent: d.parentId && !behaviour.aliasWithoutParent ? domainRef(d.parentId) : null,
    verification_token: null,
    address_discovery_enabled: true,
    ...stamps,
  });
  const toCustomer = (c: MpWorld['customers'][number]) => ({
    id: c.id,
    name: c.name,
    provider: { id: 65, name: 'United States' },
    reseller: { id: c.resellerId, name: 'Sandbox Reseller' },
    ...stamps,
  });
  const toUserGroup = (g: MpWorld['userGroups'][number]) => ({
    id: g.id,
    name: g.name,
    domain: domainRef(g.domainId),
    user_count: g.userCount,
    ...stamps,
  });
  /** The groups a domain lists: its own, or for an alias its parent's; plus those listed there too. */
  const groupsListedBy = (id: number) => {
    const parent = domainById.get(id)?.parentId;
    const own = groupsByDomain.get(parent ?? id) ?? [];
    const extra = (behaviour.alsoListed ?? []).filter((x) => x.domainId === id).map((x) => x.groupId);
    // Scanned only when a test lists groups elsewhere too: per request, at 20,000 customers, it was most of the fake's CPU.
    if (extra.length === 0) return [...own];
    return [...own, ...world.userGroups.filter((g) => extra.includes(g.id))];
  };

  /** One page of `rows`, each turned into its API shape only once it is on the page. */
  function paged<T>(req: ParsedRequest, rows: T[], shape: (row: T) => unknown): Reply {
    const size = pageSizeFor(req, behaviour);
    const last = Math.max(1, Math.ceil(rows.length / size));
    const at = pageToServe(req, behaviour, last);
    if (!at) return json(404, { error: 'Not Found' });
    const body = rows.slice((at.page - 1) * size, at.page * size).map(shape);
    const headers: Record<string, string> = {};
    const pagination = paginationHeader(behaviour, { ...at, size, total: rows.length });
    if (pagination) headers['x-pagination'] = pagination;
    const link = linkHeader(behaviour, `${origin}${req.path}`, { page: at.page, last, size });
    if (link) headers.link = link;
    return json(200, body, headers);
  }

  function services(id: number): Reply {
    // The hosting service first: it is the one a single object shows.
    const list = [...(servicesByGroup.get(id) ?? [])].sort(
      (a, b) => Number(isAddon(a.serviceType)) - Number(isAddon(b.serviceType)),
    );
    const group = groupById.get(id);
    const records = list.map((s) => ({
      id: s.id,
      service_type: s.serviceType,
      user_group: { id: s.userGroupId, name: group?.name ?? '' },
      domain: domainRef(group?.domainId ?? 0),
      created_at: '2012-04-30T18:57:35.000Z',
    }));
    const hosting = list.find((s) => !isAddon(s.serviceType)) ?? list[0];
    const form = {
      hosting: hosting ? slug(hosting.serviceType) : null,
      addons: list.filter((s) => s !== hosting).map((s) => slug(s.serviceType)),
    };
    switch (behaviour.services) {
      case 'object':
        // One object holds one service, the hosting one: the add-ons are not in it. A group
        // without any service answers an empty list.
        return json(200, records[0] ?? []);
      case 'put-form':
        return json(200, form);
      case 'service-types':
        return json(200, { service_types: form });
      case 'data':
        return json(200, { data: records });
      default:
        return json(200, records);
    }
  }

  /** A group's users as the SDK's user fixtures look: `user_count` Users, then `aliasUsers` Aliases. */
  function users(req: ParsedRequest, id: number): Reply {
    const group = world.userGroups.find((g) => g.id === id);
    if (!group) return json(404, { error: 'Not Found' });
    const domain = domainRef(group.domainId);
    const ref = { id: group.id, name: group.name };
    const rows = [
      ...Array.from({ length: group.userCount }, (_, i) => ({ n: i, type: { id: 1, name: 'User' } })),
      ...Array.from({ length: behaviour.aliasUsers ?? 0 }, (_, i) => ({ n: i, type: { id: 2, name: 'Alias' } })),
    ];
    return paged(req, rows, ({ n, type }) => ({
      id: group.id * 1000 + n + (type.id === 2 ? 500 : 0),
      name: `${type.id === 2 ? 'alias' : 'user'}${n}`,
      parent: type.id === 2 ? { id: group.id * 1000, name: 'user0' } : null,
      user_type: type,
      user_group: ref,
      domain,
      primary_address: `user${n}@${domain.name}`,
      ...stamps,
    }));
  }

  const recent: number[] = [];
  function throttled(): Reply | undefined {
    if (!behaviour.rateLimit) return undefined;
    const t = now();
    while (recent.length > 0 && recent[0]! <= t - 1000) recent.shift();
    if (recent.length >= behaviour.rateLimit.perSecond)
      return json(
        429,
        { error: 'Too Many Requests' },
        { 'retry-after': String(behaviour.rateLimit.retryAfterSeconds ?? 1) },
      );
    recent.push(t);
    return undefined;
  }

  /** What is refused before any route: another path, a trailing slash, the key, the rate, a write. */
  function refusal(req: ParsedRequest): Reply | undefined {
    if (!req.path.startsWith('/api/v1/')) return json(404, { error: 'Not Found' });
    if (req.path.endsWith('/')) return json(301, undefined, { location: `${origin}${req.path.replace(/\/+$/, '')}` });
    if (req.headers.authorization !== `Bearer ${world.apiKey}`)
      return json(401, { error: 'Unauthorized', message: 'Invalid or missing API key' });
    const limited = throttled();
    if (limited) return limited;
    if (req.method !== 'GET') return json(405, { error: 'Method Not Allowed' });
    return undefined;
  }

  const notFound = () => json(404, { error: 'Not Found' });
  /** The lists and reads, by `{kind}/{sub}` of /api/v1/{kind}/{id}/{sub}. */
  const routes: Record<string, (req: ParsedRequest, id: number) => Reply> = {
    'resellers/customers': (req, id) =>
      paged(
        req,
        world.customers.filter((c) => c.resellerId === id),
        toCustomer,
      ),
    'resellers/domains': (req, id) =>
      paged(
        req,
        world.domains.filter((d) => customerById.get(d.customerId)?.resellerId === id),
        toDomain,
      ),
    'customers/domains': (req, id) =>
      customerById.has(id) ? paged(req, domainsByCustomer.get(id) ?? [], toDomain) : notFound(),
    'domains/user_groups': (req, id) => (domainById.has(id) ? paged(req, groupsListedBy(id), toUserGroup) : notFound()),
    'user_groups/services': (_req, id) => services(id),
    'user_groups/users': (req, id) => users(req, id),
  };

  const server = await startServer(
    (req) => {
      reindex();
      const refused = refusal(req);
      if (refused) return refused;
      const [kind, idText, sub] = req.path.slice('/api/v1/'.length).split('/');
      const id = Number(idText);
      if (kind === 'resellers' && id !== world.resellerId)
        return json(404, { error: 'Not Found', message: `reseller ${idText} not found` });
      const route = Object.hasOwn(routes, `${kind}/${sub}`) ? routes[`${kind}/${sub}`] : undefined;
      return route ? route(req, id) : notFound();
    },
    { port: options.port, latencyMs: options.latencyMs },
  );
  origin = server.origin;
  return Object.assign(server, { world, apiBase: `${server.origin}/api/v1`, behaviour });
}
