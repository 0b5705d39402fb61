/**
 * A fake ConnectWise Manage API on loopback, close to the real one where cwsync depends on it:
 * /login/companyinfo, Basic auth as company+public:private, the clientId header, 403 for a
 * role without a permission, conditions, fields, both paging modes with Link headers, pageSize
 * limits, /count, /system/info; additions POST, PATCH (JSON Patch), PUT and DELETE.
 *
 * `switches` make it misbehave the ways real servers and proxies have (issue 14), each
 * flippable while it runs: broken list bodies, paging that never ends, creates that land
 * after the client gave up, writes answered with a body that is not an addition, and a
 * rate limit below the client's.
 */

import { isoSeconds } from '../time.js';
import { ConditionError, evaluate, fieldsOf, getPath, parseConditions } from './conditions.js';
import { type FakeServer, json, type ParsedRequest, type Reply, startServer } from './harness.js';
import type { CwAddition, CwAgreement, CwCompany, CwPermission, CwWorld } from './world.js';

export interface FakeConnectWise extends FakeServer {
  world: CwWorld;
  /** The base URL to configure: {origin}/{codebase}apis/3.0 */
  apiBase: string;
  /** Fault switches; set or clear them at any time. */
  switches: CwSwitches;
  /** Creates held by `lateCreate` that have not landed yet. */
  pendingCreates(): number;
  /** Lands every held create now (as if the server finally got to them). */
  landPendingCreates(): void;
}

/** Which requests a switch affects: a substring or pattern of the path, and how many (default: all). */
export interface Target {
  path?: string | RegExp;
  times?: number;
}

/**
 * A 200 answer to a list GET that is not a usable list:
 * - `html`: a proxy's HTML page (text/html);
 * - `object`: a JSON object wrapping the rows, `{ "items": [...] }`;
 * - `null`: the JSON `null`;
 * - `empty`: no body at all;
 * - `truncated`: the JSON cut in half, correctly framed (the document itself ends early);
 * - `cut-connection`: the full length announced, half sent, then the connection dropped;
 * - `missing-field`: the first record loses a field cwsync uses (an addition its `product`,
 *   anything else its `id`).
 */
export type BrokenBody = 'html' | 'object' | 'null' | 'empty' | 'truncated' | 'cut-connection' | 'missing-field';

/**
 * Paging that does not end by itself, on list GETs:
 * - `ignore-paging`: every page is the first one, with a Link to a next page as usual;
 * - `repeat-page-id`: the right page, but its Link names the pageId just asked for again;
 * - `link-loop`: from the second page on, the Link points back to the first next pageId.
 */
export type PagingFault = 'ignore-paging' | 'repeat-page-id' | 'link-loop';

export interface CwSwitches {
  /** Act like an endpoint that does not support forward-only paging: ignore the header. */
  ignoreForwardOnly?: boolean;
  brokenList?: Target & { kind: BrokenBody };
  paging?: Target & { kind: PagingFault };
  /**
   * A POST creating an addition gets no answer (the connection drops), and the create is
   * applied only after `landAfter` more requests have been served, or at `landPendingCreates()`:
   * a create that lands after the client gave up. `hold: true` keeps the connection open
   * without an answer until then, for a client timeout to expire instead.
   */
  lateCreate?: Target & { landAfter?: number; hold?: boolean };
  /** A POST or PATCH of an addition is applied, then answered 2xx with a body that is not an addition. */
  brokenWrite?: Target & { kind: 'html' | 'empty' | 'object'; method?: 'POST' | 'PATCH' };
  /**
   * At most `perSecond` requests in any second (by `now`, default the real clock); more get
   * 429 with `Retry-After: retryAfterSeconds` (default 1).
   */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number; now?: () => number };
}

const PROXY_PAGE =
  '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Please wait</h1><p>The upstream server is being updated.</p></body></html>';

/** Whether a switch applies to this path, spending one of its `times`. */
function hit(target: Target | undefined, path: string): boolean {
  if (!target) return false;
  const times = target.times ?? Number.POSITIVE_INFINITY;
  if (times <= 0) return false;
  if (target.path && !(typeof target.path === 'string' ? path.includes(target.path) : target.path.test(path)))
    return false;
  target.times = times - 1;
  return true;
}

function brokenBody(kind: BrokenBody, rows: Rec[], headers: Record<string, string>): Reply {
  const text = JSON.stringify(rows);
  switch (kind) {
    case 'html':
      return { status: 200, raw: PROXY_PAGE, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } };
    case 'object':
      return json(200, { items: rows }, headers);
    case 'null':
      return { status: 200, raw: 'null', headers };
    case 'empty':
      return { status: 200, raw: '', headers };
    case 'truncated':
      return { status: 200, raw: text.slice(0, Math.max(1, Math.floor(text.length / 2))), headers };
    case 'cut-connection':
      return { status: 200, raw: text, cutAfterBytes: Math.max(1, Math.floor(text.length / 2)), headers };
    case 'missing-field': {
      const [first, ...rest] = rows.map((r) => ({ ...r }));
      if (first) delete first[Object.hasOwn(first, 'product') ? 'product' : 'id'];
      return json(200, first ? [first, ...rest] : [{}], headers);
    }
  }
}

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 1000;

const security = () =>
  json(403, { code: 'Security', message: 'You do not have security permission to perform this action.' });
const notFound = (what: string) => json(404, { code: 'NotFound', message: `${what} not found` });
const invalid = (resource: string, message: string, field?: string) =>
  json(400, {
    code: 'InvalidObject',
    message: `${resource} object is invalid`,
    errors: [{ code: 'InvalidObject', message, resource, field }],
  });

type Rec = Record<string, unknown>;

function companyRef(c: CwCompany | undefined) {
  return c ? { id: c.id, identifier: c.identifier, name: c.name, _info: {} } : null;
}

export interface FakeConnectWiseOptions {
  port?: number;
  latencyMs?: number;
  /** Act like an endpoint that does not support forward-only paging: ignore the header. */
  ignoreForwardOnly?: boolean;
  /** Initial fault switches. */
  switches?: CwSwitches;
}

export async function startFakeConnectWise(
  world: CwWorld,
  options: FakeConnectWiseOptions = {},
): Promise<FakeConnectWise> {
  const switches: CwSwitches = { ignoreForwardOnly: options.ignoreForwardOnly, ...options.switches };
  /** Per path, the first next pageId handed out (for `link-loop`). */
  const firstNext = new Map<string, string>();
  let pending: Array<{ left: number; land: () => void }> = [];
  const landDue = (all: boolean) => {
    const due = pending.filter((p) => all || --p.left < 0);
    pending = pending.filter((p) => !due.includes(p));
    for (const p of due) p.land();
  };
  const served: number[] = [];
  let companyById = new Map<number, CwCompany>();
  let agreementById = new Map<number, CwAgreement>();
  let additionsByAgreement = new Map<number, CwAddition[]>();
  let indexed = { companies: -1, agreements: -1, additions: -1 };
  const reindex = () => {
    if (indexed.companies !== world.companies.length) companyById = new Map(world.companies.map((c) => [c.id, c]));
    if (indexed.agreements !== world.agreements.length) agreementById = new Map(world.agreements.map((a) => [a.id, a]));
    if (indexed.additions !== world.additions.length) {
      additionsByAgreement = new Map();
      for (const a of world.additions) {
        const list = additionsByAgreement.get(a.agreementId) ?? [];
        list.push(a);
        additionsByAgreement.set(a.agreementId, list);
      }
    }
    indexed = {
      companies: world.companies.length,
      agreements: world.agreements.length,
      additions: world.additions.length,
    };
  };

  // The catalog is small and rarely changes; rebuilt when a test reshapes it.
  let catalogIndex = { size: -1, map: new Map<number, CwWorld['catalog'][number]>() };
  const catalogById = () => {
    if (catalogIndex.size !== world.catalog.length)
      catalogIndex = { size: world.catalog.length, map: new Map(world.catalog.map((c) => [c.id, c])) };
    return catalogIndex.map;
  };
  const toCompany = (c: CwCompany): Rec => ({
    id: c.id,
    identifier: c.identifier,
    name: c.name,
    deletedFlag: c.deletedFlag,
    status: { id: 1, name: 'Active' },
    _info: {},
  });
  const toAgreement = (a: CwAgreement): Rec => ({
    id: a.id,
    name: a.name,
    type: { id: 1, name: 'Managed Services' },
    company: companyRef(companyById.get(a.companyId)),
    agreementStatus: a.agreementStatus,
    cancelledFlag: a.cancelledFlag,
    billStartDate: a.billStartDate ?? null,
    parentAgreement: null,
    _info: {},
  });
  const toAddition = (a: CwAddition): Rec => {
    const product = catalogById().get(a.productId);
    const extPrice = a.quantity * a.unitPrice;
    const extCost = a.quantity * a.unitCost;
    return {
      id: a.id,
      product: { id: a.productId, identifier: product?.identifier ?? null, _info: {} },
      quantity: a.quantity,
      lessIncluded: 0,
      unitPrice: a.unitPrice,
      unitCost: a.unitCost,
      billCustomer: a.billCustomer,
      effectiveDate: a.effectiveDate,
      cancelledDate: a.cancelledDate,
      description: a.description,
      agreementId: a.agreementId,
      extPrice,
      extCost,
      margin: extPrice - extCost,
      agreementStatus: 'Active',
      _info: {},
    };
  };
  const KNOWN = {
    companies: fieldsOf(toCompany({ id: 0, identifier: '', name: '', deletedFlag: false }), ['types/name']),
    agreements: fieldsOf({
      ...toAgreement({ id: 0, name: '', companyId: 0, agreementStatus: 'Active', cancelledFlag: false }),
      company: { id: 0, identifier: '', name: '' },
    }),
    additions: fieldsOf(
      toAddition({
        id: 0,
        agreementId: 0,
        productId: 0,
        quantity: 0,
        unitPrice: 0,
        unitCost: 0,
        billCustomer: '',
        effectiveDate: null,
        cancelledDate: null,
        description: '',
      }),
    ),
    catalog: fieldsOf({
      id: 0,
      identifier: '',
      description: '',
      inactiveFlag: false,
      price: 0,
      cost: 0,
      productClass: '',
      recurringFlag: false,
    }),
  };

  function list(req: ParsedRequest, records: Rec[], known: Set<string>, countOnly: boolean): Reply {
    let rows = records;
    const conditions = req.query.get('conditions');
    if (conditions) {
      try {
        const tree = parseConditions(conditions, known);
        rows = rows.filter((r) => evaluate(tree, r));
      } catch (err) {
        if (err instanceof ConditionError)
          return json(400, {
            code: err.code === 'ApiFindCondition' ? 'ApiFindCondition' : 'InvalidObject',
            message: err.message,
            errors: null,
          });
        throw err;
      }
    }
    if (countOnly) return json(200, { count: rows.length });

    const pageSizeRaw = req.query.get('pageSize');
    const pageSize = pageSizeRaw === null ? DEFAULT_PAGE_SIZE : Number(pageSizeRaw);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      return json(400, {
        code: 'InvalidObject',
        message: 'pageSize object is invalid',
        errors: [
          {
            code: 'OutOfRange',
            message: `The field pageSize must be between 1 and ${MAX_PAGE_SIZE}.`,
            resource: 'pageSize',
            field: 'pageSize',
          },
        ],
      });
    }
    const forwardOnly =
      !switches.ignoreForwardOnly && String(req.headers['pagination-type'] ?? '').toLowerCase() === 'forward-only';
    const pagingFault = hit(switches.paging, req.path) ? switches.paging!.kind : undefined;
    const orderBy = req.query.get('orderBy');
    const params = new URLSearchParams(req.query);
    const link = (over: Record<string, string>, rel: string) => {
      const p = new URLSearchParams(params);
      for (const [k, v] of Object.entries(over)) p.set(k, v);
      return `<${origin()}${req.path}?${p.toString()}>; rel="${rel}"`;
    };
    let page: Rec[];
    const headers: Record<string, string> = {};
    if (forwardOnly) {
      if (orderBy)
        return json(400, { code: 'InvalidObject', message: 'orderBy is not supported with forward-only pagination' });
      const asked = req.query.get('pageId');
      const after = pagingFault === 'ignore-paging' ? 0 : Number(asked ?? 0);
      const sorted = rows.filter((r) => (r.id as number) > after).sort((a, b) => (a.id as number) - (b.id as number));
      page = sorted.slice(0, pageSize);
      const more = sorted.length > pageSize;
      let next = more ? String(page[page.length - 1]!.id) : undefined;
      if (next !== undefined && pagingFault === 'repeat-page-id' && asked !== null) next = asked;
      if (next !== undefined && pagingFault === 'link-loop') {
        if (!firstNext.has(req.path)) firstNext.set(req.path, next);
        else next = firstNext.get(req.path);
      }
      headers.link = next !== undefined ? link({ pageId: next }, 'next') : '';
    } else {
      if (orderBy) {
        const [field, dir] = orderBy.trim().split(/\s+/);
        const sign = dir?.toLowerCase() === 'desc' ? -1 : 1;
        rows = [...rows].sort((a, b) => {
          const x = getPath(a, field!) as string | number;
          const y = getPath(b, field!) as string | number;
          return x < y ? -sign : x > y ? sign : 0;
        });
      }
      const pageNo = pagingFault === 'ignore-paging' ? 1 : Math.max(1, Number(req.query.get('page') ?? 1));
      const last = Math.max(1, Math.ceil(rows.length / pageSize));
      page = rows.slice((pageNo - 1) * pageSize, pageNo * pageSize);
      const links = [link({ page: '1' }, 'first')];
      if (pageNo > 1) links.push(link({ page: String(pageNo - 1) }, 'prev'));
      const asked = Math.max(1, Number(req.query.get('page') ?? 1));
      if (pageNo < last || (pagingFault === 'ignore-paging' && last > 1))
        links.push(link({ page: String(asked + 1) }, 'next'));
      links.push(link({ page: String(last) }, 'last'));
      headers.link = links.join(', ');
    }
    const fields = req.query.get('fields');
    const body = fields ? page.map((r) => project(r, fields.split(','))) : page;
    if (hit(switches.brokenList, req.path)) return brokenBody(switches.brokenList!.kind, body, headers);
    return json(200, body, headers);
  }

  const can = (p: CwPermission) => world.permissions.has(p);

  function authorize(req: ParsedRequest): Reply | undefined {
    const clientId = req.headers.clientid;
    if (typeof clientId !== 'string' || !world.clientIds.includes(clientId)) {
      return json(400, {
        code: 'InvalidClientId',
        message: 'A valid clientId header is required for every request. Register your integration to get one.',
      });
    }
    const auth = req.headers.authorization ?? '';
    const m = /^Basic (.+)$/i.exec(auth);
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    if (decoded !== `${world.company}+${world.publicKey}:${world.privateKey}`)
      return json(401, { code: 'Unauthorized', message: 'Authentication failed.' });
    return undefined;
  }

  function handleAdditions(req: ParsedRequest, agreementId: number, rest: string[]): Reply | Promise<Reply> {
    const agreement = agreementById.get(agreementId);
    if (!agreement) return notFound(`Agreement ${agreementId}`);
    const mine = additionsByAgreement.get(agreementId) ?? [];
    if (req.method === 'GET') {
      if (!can('agreements.inquire')) return security();
      if (rest[0] === 'count') return list(req, mine.map(toAddition), KNOWN.additions, true);
      if (rest[0]) {
        const a = mine.find((x) => x.id === Number(rest[0]));
        return a ? json(200, toAddition(a)) : notFound(`Addition ${rest[0]}`);
      }
      return list(req, mine.map(toAddition), KNOWN.additions, false);
    }
    if (req.method === 'POST' && !rest[0]) {
      if (!can('agreements.add')) return security();
      if (hit(switches.lateCreate, req.path)) return lateCreate(req.body, agreement, switches.lateCreate!);
      return brokenWrite('POST', req.path, createAddition(req.body, agreement));
    }
    // As in ConnectWise, security is checked before the record is looked up.
    if ((req.method === 'PATCH' || req.method === 'PUT') && !can('agreements.edit')) return security();
    if (req.method === 'DELETE' && !can('agreements.delete')) return security();
    const addition = mine.find((x) => x.id === Number(rest[0]));
    if (!addition) return notFound(`Addition ${rest[0]}`);
    if (req.method === 'PATCH') return brokenWrite('PATCH', req.path, patchAddition(req.body, addition));
    if (req.method === 'PUT') {
      const b = (req.body ?? {}) as Rec;
      Object.assign(addition, {
        quantity: Number(b.quantity ?? 0),
        unitPrice: Number(b.unitPrice ?? 0),
        unitCost: Number(b.unitCost ?? 0),
        description: String(b.description ?? ''),
        cancelledDate: (b.cancelledDate as string) ?? null,
      });
      return json(200, toAddition(addition));
    }
    if (req.method === 'DELETE') {
      world.additions.splice(world.additions.indexOf(addition), 1);
      reindex();
      return { status: 204 };
    }
    return json(405, { code: 'MethodNotAllowed', message: `${req.method} is not allowed here` });
  }

  /** No answer now; the create is applied later, after the client gave up on it. */
  function lateCreate(
    body: unknown,
    agreement: CwAgreement,
    sw: NonNullable<CwSwitches['lateCreate']>,
  ): Promise<Reply> {
    return new Promise((resolve) => {
      const land = () => {
        createAddition(body, agreement);
        resolve({ status: 201, drop: true });
      };
      pending.push({ left: sw.landAfter ?? 1, land });
      if (!sw.hold) resolve({ status: 201, drop: true });
    });
  }

  /** A write that was applied, answered with a body that is not the addition. */
  function brokenWrite(method: 'POST' | 'PATCH', path: string, reply: Reply): Reply {
    const sw = switches.brokenWrite;
    if (reply.status >= 300 || !sw || (sw.method && sw.method !== method) || !hit(sw, path)) return reply;
    if (sw.kind === 'object') return json(reply.status, { result: 'ok' });
    return { ...brokenBody(sw.kind, [], {}), status: reply.status };
  }

  function createAddition(body: unknown, agreement: CwAgreement): Reply {
    const b = (body ?? {}) as Rec;
    const productRef = (b.product ?? {}) as Rec;
    if (typeof b.product !== 'object' || b.product === null)
      return invalid('addition', "Error converting value to type 'IvItemReference'. Path 'product'", 'product');
    const product = world.catalog.find((p) =>
      productRef.id !== undefined
        ? p.id === Number(productRef.id)
        : p.identifier.toLowerCase() === String(productRef.identifier ?? '').toLowerCase(),
    );
    if (!product) return invalid('addition', 'Product not found', 'product');
    if (product.inactiveFlag) return invalid('addition', 'Product is inactive', 'product');
    if (!['Billable', 'DoNotBill', 'NoCharge'].includes(String(b.billCustomer)))
      return invalid('addition', 'The billCustomer field is required.', 'billCustomer');
    const quantity = Number(b.quantity ?? 0);
    if (!Number.isFinite(quantity) || quantity < 0)
      return invalid('addition', 'quantity must be a non-negative number', 'quantity');
    const effectiveDate = b.effectiveDate === undefined ? isoSeconds(new Date()) : String(b.effectiveDate);
    if (Number.isNaN(Date.parse(effectiveDate)))
      return invalid('addition', 'effectiveDate is not a valid date', 'effectiveDate');
    if (agreement.billStartDate && Date.parse(effectiveDate) < Date.parse(agreement.billStartDate))
      return invalid('addition', 'effectiveDate cannot be less than the agreement billing start date', 'effectiveDate');
    const addition: CwAddition = {
      id: world.nextId++,
      agreementId: agreement.id,
      productId: product.id,
      quantity,
      unitPrice: typeof b.unitPrice === 'number' ? b.unitPrice : product.price,
      unitCost: typeof b.unitCost === 'number' ? b.unitCost : product.cost,
      billCustomer: String(b.billCustomer),
      effectiveDate,
      cancelledDate: typeof b.cancelledDate === 'string' ? b.cancelledDate : null,
      description: typeof b.description === 'string' ? b.description : product.description,
    };
    world.additions.push(addition);
    additionsByAgreement.set(agreement.id, [...(additionsByAgreement.get(agreement.id) ?? []), addition]);
    indexed.additions = world.additions.length;
    return json(201, toAddition(addition));
  }

  function patchAddition(body: unknown, addition: CwAddition): Reply {
    if (!Array.isArray(body))
      return invalid('addition', 'The entire object is part of an array and must be surrounded by square brackets');
    const next = { ...addition };
    for (const op of body as Rec[]) {
      if (!['add', 'replace', 'remove'].includes(String(op.op)))
        return invalid('addition', `Unsupported operation ${String(op.op)}`);
      const field = String(op.path ?? '').replace(/^\//, '');
      const value = op.value;
      switch (field) {
        case 'quantity':
        case 'unitPrice':
        case 'unitCost': {
          const n = Number(value);
          if (!Number.isFinite(n)) return invalid('addition', `${field} must be a number`, field);
          next[field] = n;
          break;
        }
        case 'cancelledDate':
        case 'effectiveDate':
          if (value !== null && Number.isNaN(Date.parse(String(value))))
            return invalid('addition', `${field} is not a valid date`, field);
          next[field] = value === null ? null : String(value);
          break;
        case 'description':
        case 'billCustomer':
          next[field] = String(value);
          break;
        default:
          return invalid('addition', `${field} is not a recognized field`, field);
      }
    }
    Object.assign(addition, next);
    return json(200, toAddition(addition));
  }

  let origin = () => '';
  function throttle(): Reply | undefined {
    const limit = switches.rateLimit;
    if (!limit) return undefined;
    const now = (limit.now ?? Date.now)();
    while (served.length > 0 && served[0]! <= now - 1000) served.shift();
    if (served.length >= limit.perSecond) {
      const wait = limit.retryAfterSeconds ?? 1;
      return json(
        429,
        { error: 'ConnectWiseAPI', message: `Too many requests. Please try again in ${wait} seconds.` },
        { 'retry-after': String(wait) },
      );
    }
    served.push(now);
    return undefined;
  }

  const server = await startServer(
    (req) => {
      landDue(false);
      const throttled = throttle();
      if (throttled) return throttled;
      reindex();
      const info = /^\/login\/companyinfo\/([^/]+)$/.exec(req.path);
      if (info && req.method === 'GET') {
        if (decodeURIComponent(info[1]!).toLowerCase() !== world.company.toLowerCase()) return json(200, null);
        return json(200, {
          CompanyName: 'Sandbox MSP',
          Codebase: world.codebase,
          VersionCode: 'v2025.1',
          VersionNumber: 'v4.6.2025',
          CompanyID: world.company,
          IsCloud: false,
          SiteUrl: origin(),
        });
      }
      const prefix = `/${world.codebase}apis/3.0`;
      if (!req.path.startsWith(prefix)) return notFound('Resource');
      const denied = authorize(req);
      if (denied) return denied;
      const parts = req.path.slice(prefix.length).split('/').filter(Boolean);
      const [module, resource, id, sub, ...rest] = parts;
      const route = `${module}/${resource}`;
      if (route === 'system/info' && req.method === 'GET')
        return json(200, {
          version: 'v2025.1.100000',
          isCloud: false,
          serverTimeZone: 'Eastern Standard Time',
          cloudRegion: 'NA',
          licenseBits: [],
        });
      if (route === 'company/companies' && req.method === 'GET') {
        if (!can('companies')) return security();
        const rows = world.companies.map(toCompany);
        if (id === 'count') return list(req, rows, KNOWN.companies, true);
        if (id)
          return rows.find((r) => r.id === Number(id))
            ? json(
                200,
                rows.find((r) => r.id === Number(id)),
              )
            : notFound(`Company ${id}`);
        return list(req, rows, KNOWN.companies, false);
      }
      if (route === 'finance/agreements') {
        if (id && sub === 'additions') return handleAdditions(req, Number(id), rest);
        if (req.method !== 'GET')
          return json(405, { code: 'MethodNotAllowed', message: 'not supported by the sandbox' });
        if (!can('agreements.inquire')) return security();
        const rows = world.agreements.map(toAgreement);
        if (id === 'count') return list(req, rows, KNOWN.agreements, true);
        if (id)
          return rows.find((r) => r.id === Number(id))
            ? json(
                200,
                rows.find((r) => r.id === Number(id)),
              )
            : notFound(`Agreement ${id}`);
        return list(req, rows, KNOWN.agreements, false);
      }
      if (route === 'procurement/catalog' && req.method === 'GET') {
        if (!can('catalog')) return security();
        const rows = world.catalog.map(
          (c) => ({ ...c, productClass: 'Agreement', recurringFlag: true, _info: {} }) as Rec,
        );
        if (id === 'count') return list(req, rows, KNOWN.catalog, true);
        return list(req, rows, KNOWN.catalog, false);
      }
      return notFound(`Resource ${req.path}`);
    },
    { port: options.port, latencyMs: options.latencyMs },
  );
  origin = () => server.origin;
  return Object.assign(server, {
    world,
    apiBase: `${server.origin}/${world.codebase}apis/3.0`,
    switches,
    pendingCreates: () => pending.length,
    landPendingCreates: () => landDue(true),
  });
}

/** A partial response, as `fields=id,name,company/id` asks. */
function project(record: Rec, fields: string[]): Rec {
  const out: Rec = {};
  for (const f of fields) {
    const segs = f.trim().split('/');
    const value = getPath(record, f.trim());
    if (value === undefined) continue;
    let cur = out;
    for (const s of segs.slice(0, -1)) {
      cur[s] ??= {};
      cur = cur[s] as Rec;
    }
    cur[segs[segs.length - 1]!] = value;
  }
  return out;
}
