/**
 * A fake ConnectWise Manage API on loopback, close to the real one where cwsync depends on it:
 * /login/companyinfo, Basic auth as company+public:private, the clientId header, 403 for a
 * role without a permission, conditions, fields, both paging modes with Link headers, pageSize
 * limits, /count, /system/info; additions POST, PATCH (JSON Patch), PUT and DELETE.
 */

import { isoSeconds } from '../time.js';
import { ConditionError, evaluate, fieldsOf, getPath, parseConditions } from './conditions.js';
import { type FakeServer, json, type ParsedRequest, type Reply, startServer } from './harness.js';
import type { CwAddition, CwAgreement, CwCompany, CwPermission, CwWorld } from './world.js';

export interface FakeConnectWise extends FakeServer {
  world: CwWorld;
  /** The base URL to configure: {origin}/{codebase}apis/3.0 */
  apiBase: string;
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
}

export async function startFakeConnectWise(
  world: CwWorld,
  options: FakeConnectWiseOptions = {},
): Promise<FakeConnectWise> {
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
      !options.ignoreForwardOnly && String(req.headers['pagination-type'] ?? '').toLowerCase() === 'forward-only';
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
      const after = Number(req.query.get('pageId') ?? 0);
      const sorted = rows.filter((r) => (r.id as number) > after).sort((a, b) => (a.id as number) - (b.id as number));
      page = sorted.slice(0, pageSize);
      const more = sorted.length > pageSize;
      headers.link = more ? link({ pageId: String(page[page.length - 1]!.id) }, 'next') : '';
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
      const pageNo = Math.max(1, Number(req.query.get('page') ?? 1));
      const last = Math.max(1, Math.ceil(rows.length / pageSize));
      page = rows.slice((pageNo - 1) * pageSize, pageNo * pageSize);
      const links = [link({ page: '1' }, 'first')];
      if (pageNo > 1) links.push(link({ page: String(pageNo - 1) }, 'prev'));
      if (pageNo < last) links.push(link({ page: String(pageNo + 1) }, 'next'));
      links.push(link({ page: String(last) }, 'last'));
      headers.link = links.join(', ');
    }
    const fields = req.query.get('fields');
    const body = fields ? page.map((r) => project(r, fields.split(','))) : page;
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

  function handleAdditions(req: ParsedRequest, agreementId: number, rest: string[]): Reply {
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
      return createAddition(req.body, agreement);
    }
    // As in ConnectWise, security is checked before the record is looked up.
    if ((req.method === 'PATCH' || req.method === 'PUT') && !can('agreements.edit')) return security();
    if (req.method === 'DELETE' && !can('agreements.delete')) return security();
    const addition = mine.find((x) => x.id === Number(rest[0]));
    if (!addition) return notFound(`Addition ${rest[0]}`);
    if (req.method === 'PATCH') return patchAddition(req.body, addition);
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
  const server = await startServer(
    (req) => {
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
  return Object.assign(server, { world, apiBase: `${server.origin}/${world.codebase}apis/3.0` });
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
