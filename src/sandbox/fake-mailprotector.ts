/**
 * A fake Mailprotector v1 API on loopback: Bearer auth, 1-based paging (50 a page) with Link
 * and Total headers, bare-array bodies, domain aliases, a redirect for trailing slashes,
 * plus the harness's latency, 429s and dropped connections.
 */
import { type FakeServer, json, type ParsedRequest, type Reply, startServer } from './harness.js';
import type { MpWorld } from './world.js';

export interface FakeMailprotector extends FakeServer {
  world: MpWorld;
  /** The base URL to configure: {origin}/api/v1 */
  apiBase: string;
}

export const MP_PAGE_SIZE = 50;

export async function startFakeMailprotector(
  world: MpWorld,
  options: { port?: number; latencyMs?: number } = {},
): Promise<FakeMailprotector> {
  let origin = '';
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
  let servicesByGroup = new Map<number, MpWorld['services']>();
  const reindex = () => {
    const now = `${world.customers.length}/${world.domains.length}/${world.userGroups.length}/${world.services.length}`;
    if (now === sizes) return;
    sizes = now;
    customerById = new Map(world.customers.map((c) => [c.id, c]));
    domainById = new Map(world.domains.map((d) => [d.id, d]));
    domainsByCustomer = index(world.domains, (d) => d.customerId);
    groupsByDomain = index(world.userGroups, (g) => g.domainId);
    servicesByGroup = index(world.services, (s) => s.userGroupId);
  };
  const customerRef = (id: number) => {
    const c = customerById.get(id);
    return c ? { id: c.id, name: c.name } : null;
  };
  const toDomain = (d: MpWorld['domains'][number]) => ({
    id: d.id,
    name: d.name,
    account: customerRef(d.customerId),
    parent: d.parentId ? { id: d.parentId, name: domainById.get(d.parentId)?.name ?? '' } : null,
    domain_status: { id: 1, name: 'Active' },
  });

  /** One page of `rows`, each turned into its API shape only once it is on the page. */
  function paged<T>(req: ParsedRequest, rows: T[], shape: (row: T) => unknown): Reply {
    const page = Math.max(1, Number(req.query.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(rows.length / MP_PAGE_SIZE));
    const body = rows.slice((page - 1) * MP_PAGE_SIZE, page * MP_PAGE_SIZE).map(shape);
    const link = (p: number, rel: string) => `<${origin}${req.path}?page=${p}>; rel="${rel}"`;
    const links = [link(1, 'first'), link(last, 'last')];
    if (page < last) links.push(link(page + 1, 'next'));
    if (page > 1) links.push(link(page - 1, 'prev'));
    return json(200, body, { link: links.join(', '), total: String(rows.length), 'per-page': String(MP_PAGE_SIZE) });
  }

  const server = await startServer(
    (req) => {
      reindex();
      if (!req.path.startsWith('/api/v1/')) return json(404, { error: 'Not Found' });
      if (req.path.endsWith('/')) return json(301, undefined, { location: `${origin}${req.path.replace(/\/+$/, '')}` });
      if (req.headers.authorization !== `Bearer ${world.apiKey}`)
        return json(401, { error: 'Unauthorized', message: 'Invalid or missing API key' });
      if (req.method !== 'GET') return json(405, { error: 'Method Not Allowed' });
      const [kind, idText, sub] = req.path.slice('/api/v1/'.length).split('/');
      const id = Number(idText);
      if (kind === 'resellers' && id !== world.resellerId)
        return json(404, { error: 'Not Found', message: `reseller ${idText} not found` });
      if (kind === 'resellers' && sub === 'customers')
        return paged(
          req,
          world.customers.filter((c) => c.resellerId === id),
          (c) => ({ id: c.id, name: c.name, type: 'Customer' }),
        );
      if (kind === 'resellers' && sub === 'domains')
        return paged(
          req,
          world.domains.filter((d) => customerById.get(d.customerId)?.resellerId === id),
          toDomain,
        );
      if (kind === 'customers' && sub === 'domains') {
        if (!customerById.has(id)) return json(404, { error: 'Not Found' });
        return paged(req, domainsByCustomer.get(id) ?? [], toDomain);
      }
      if (kind === 'domains' && sub === 'user_groups') {
        if (!domainById.has(id)) return json(404, { error: 'Not Found' });
        return paged(req, groupsByDomain.get(id) ?? [], (g) => ({
          id: g.id,
          name: g.name,
          user_count: g.userCount,
          domain: { id: g.domainId },
        }));
      }
      if (kind === 'user_groups' && sub === 'services') {
        return json(
          200,
          (servicesByGroup.get(id) ?? []).map((s) => ({
            id: s.id,
            service_type: s.serviceType,
            user_group: { id: s.userGroupId },
          })),
        );
      }
      return json(404, { error: 'Not Found' });
    },
    { port: options.port, latencyMs: options.latencyMs },
  );
  origin = server.origin;
  return Object.assign(server, { world, apiBase: `${server.origin}/api/v1` });
}
