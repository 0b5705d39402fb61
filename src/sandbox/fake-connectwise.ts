/**
 * A fake ConnectWise Manage API on loopback, close to the real one where cwsync depends on it:
 * /login/companyinfo, Basic auth as company+public:private, the clientId header, 403 for a
 * role without a permission, conditions, fields, both paging modes with Link headers, pageSize
 * limits, /count, /system/info; additions POST, PATCH (JSON Patch), PUT and DELETE.
 *
 * `switches` (fake-connectwise-switches.ts) make it misbehave the ways real servers and
 * proxies have (issue 14), and answer every way the vendor evidence allows (issue 18): capped
 * pages, a Link without rel, a list ending early, a false 200, a redirect after a write lands,
 * an answer too large to read. Records are shaped as the spec's models (fake-connectwise-records.ts).
 */

import { newAddition, patchAddition, replaceAddition } from './fake-connectwise-additions.js';
import { CwIndex } from './fake-connectwise-index.js';
import { filtered, linkTo, numberedPage, pageSizeOf, pageSizeRefused } from './fake-connectwise-lists.js';
import { KNOWN, project, toCatalogItem, toCompany } from './fake-connectwise-records.js';
import { brokenBody, type CwSwitches, gatewayPage, hit, writeAnswer } from './fake-connectwise-switches.js';
import { type FakeServer, json, type ParsedRequest, type Reply, startServer } from './harness.js';
import type { CwAddition, CwAgreement, CwPermission, CwWorld } from './world.js';

export type { BrokenBody, CwSwitches } from './fake-connectwise-switches.js';

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

const security = () =>
  json(403, { code: 'Security', message: 'You do not have security permission to perform this action.' });
const notFound = (what: string) => json(404, { code: 'NotFound', message: `${what} not found` });

type Rec = Record<string, unknown>;

export interface FakeConnectWiseOptions {
  port?: number;
  latencyMs?: number;
  /** Act like an endpoint that does not support forward-only paging: ignore the header. */
  ignoreForwardOnly?: boolean;
  /** Initial fault switches. */
  switches?: CwSwitches;
}

/** The permission each write on an existing addition needs (POST's is checked where it creates). */
const WRITE_PERMISSION: Record<string, CwPermission | undefined> = {
  PATCH: 'agreements.edit',
  PUT: 'agreements.edit',
  DELETE: 'agreements.delete',
};

interface CollectionRead {
  permission: CwPermission;
  rows: () => Rec[];
  noun: string;
  known: Set<string>;
  children?: Set<string>;
}

const SYSTEM_INFO = {
  version: 'v2025.1.100000',
  isCloud: false,
  serverTimeZone: 'Eastern Standard Time',
  cloudRegion: 'NA',
  licenseBits: [],
};

/** The fake's state and its answers; the HTTP server calls `handle` for every request. */
class FakeConnectWiseServer {
  /** http://127.0.0.1:PORT, once the server listens. */
  origin = '';
  /** Creates held by `lateCreate`, each landing after `left` more requests. */
  pending: Array<{ left: number; land: () => void }> = [];
  /** Per path, the first next pageId handed out (for `link-loop`). */
  private readonly firstNext = new Map<string, string>();
  /** Per list (path and conditions), how many forward-only pages were served (for `endLinkAfterPages`). */
  private readonly pagesServed = new Map<string, number>();
  /** When the requests of the last second came (for `rateLimit`). */
  private readonly served: number[] = [];
  private readonly index: CwIndex;

  constructor(
    readonly world: CwWorld,
    readonly switches: CwSwitches,
  ) {
    this.index = new CwIndex(world);
  }

  handle(req: ParsedRequest): Reply | Promise<Reply> {
    this.landDue(false);
    const throttled = this.throttle();
    if (throttled) return throttled;
    this.index.refresh();
    const info = /^\/login\/companyinfo\/([^/]+)$/.exec(req.path);
    if (info && req.method === 'GET') return this.companyInfo(decodeURIComponent(info[1]!));
    const prefix = `/${this.world.codebase}apis/3.0`;
    if (!req.path.startsWith(prefix)) return notFound('Resource');
    return this.authorize(req) ?? this.api(req, req.path.slice(prefix.length).split('/').filter(Boolean));
  }

  /** Lands the held creates that are due (or all of them). */
  landDue(all: boolean): void {
    const due = this.pending.filter((p) => all || --p.left < 0);
    this.pending = this.pending.filter((p) => !due.includes(p));
    for (const p of due) p.land();
  }

  /** Counts the forward-only pages served per list; true once `endLinkAfterPages` says the Link should stop. */
  private linkEnded(req: ParsedRequest, asked: string | null): boolean {
    const key = `${req.path}?${req.query.get('conditions') ?? ''}`;
    const n = asked === null ? 1 : (this.pagesServed.get(key) ?? 0) + 1;
    this.pagesServed.set(key, n);
    return this.switches.endLinkAfterPages !== undefined && n >= this.switches.endLinkAfterPages;
  }

  /** The next pageId as a paging fault hands it out: the asked one again, or always the first. */
  private faultyNext(path: string, next: string, asked: string | null, fault: string | undefined): string {
    if (fault === 'repeat-page-id' && asked !== null) return asked;
    if (fault !== 'link-loop') return next;
    if (!this.firstNext.has(path)) this.firstNext.set(path, next);
    return this.firstNext.get(path)!;
  }

  /** One forward-only page: records after pageId, and the Link naming the next one (or an empty Link at the end). */
  private forwardOnlyPage(req: ParsedRequest, rows: Rec[], pageSize: number, fault: string | undefined) {
    const asked = req.query.get('pageId');
    const after = fault === 'ignore-paging' ? 0 : Number(asked ?? 0);
    const sorted = rows.filter((r) => (r.id as number) > after).sort((a, b) => (a.id as number) - (b.id as number));
    const size = Math.min(pageSize, this.switches.pageCap ?? pageSize);
    const page = sorted.slice(0, size);
    const ended = this.linkEnded(req, asked);
    const last = sorted.length > size && !ended ? String(page[page.length - 1]!.id) : undefined;
    const next = last === undefined ? undefined : this.faultyNext(req.path, last, asked, fault);
    if (next === undefined) return { page, link: '' };
    const rel = this.switches.forwardLink === 'no-rel' ? '' : '; rel="next"';
    return { page, link: `${linkTo(this.origin, req, { pageId: next })}${rel}` };
  }

  private list(req: ParsedRequest, records: Rec[], known: Set<string>, countOnly: boolean, children?: Set<string>) {
    const rows = filtered(req, records, known, children);
    if (!Array.isArray(rows)) return rows;
    if (countOnly) return json(200, { count: rows.length });
    const pageSize = pageSizeOf(req);
    if (pageSize === undefined) return pageSizeRefused();
    const forwardOnly =
      !this.switches.ignoreForwardOnly && String(req.headers['pagination-type'] ?? '').toLowerCase() === 'forward-only';
    if (forwardOnly && req.query.get('orderBy'))
      return json(400, { code: 'InvalidObject', message: 'orderBy is not supported with forward-only pagination' });
    return this.listAnswer(req, this.pageOf(req, rows, pageSize, forwardOnly));
  }

  /** The page asked for, in either paging mode, with its Link header. */
  private pageOf(req: ParsedRequest, rows: Rec[], pageSize: number, forwardOnly: boolean) {
    const fault = hit(this.switches.paging, req.path) ? this.switches.paging!.kind : undefined;
    if (forwardOnly) return this.forwardOnlyPage(req, rows, pageSize, fault);
    return numberedPage(this.origin, req, rows, Math.min(pageSize, this.switches.pageCap ?? pageSize), fault);
  }

  /** A page as JSON, projected to `fields`, or broken as `brokenList` says. */
  private listAnswer(req: ParsedRequest, { page, link }: { page: Rec[]; link: string }): Reply {
    const headers = { link };
    const fields = req.query.get('fields');
    const body = fields ? page.map((r) => project(r, fields.split(','))) : page;
    if (hit(this.switches.brokenList, req.path)) return brokenBody(this.switches.brokenList!.kind, body, headers);
    return json(200, body, headers);
  }

  /** A list, its count, or one record by id. */
  private collection(
    req: ParsedRequest,
    rows: Rec[],
    id: string | undefined,
    noun: string,
    known: Set<string>,
    children?: Set<string>,
  ) {
    if (id === 'count') return this.list(req, rows, known, true, children);
    if (!id) return this.list(req, rows, known, false, children);
    const one = rows.find((r) => r.id === Number(id));
    return one ? json(200, one) : notFound(`${noun} ${id}`);
  }

  private can(p: CwPermission) {
    return this.world.permissions.has(p);
  }

  private authorize(req: ParsedRequest): Reply | undefined {
    const clientId = req.headers.clientid;
    if (typeof clientId !== 'string' || !this.world.clientIds.includes(clientId)) {
      return json(400, {
        code: 'InvalidClientId',
        message: 'A valid clientId header is required for every request. Register your integration to get one.',
      });
    }
    const auth = req.headers.authorization ?? '';
    const m = /^Basic (.+)$/i.exec(auth);
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    if (decoded !== `${this.world.company}+${this.world.publicKey}:${this.world.privateKey}`)
      return json(401, { code: 'Unauthorized', message: 'Authentication failed.' });
    return undefined;
  }

  private readAdditions(req: ParsedRequest, mine: CwAddition[], rest: string[]): Reply {
    if (!this.can('agreements.inquire')) return security();
    if (rest[0] === 'count')
      return this.list(
        req,
        mine.map((a) => this.index.additionRecord(a)),
        KNOWN.additions,
        true,
      );
    if (rest[0]) {
      const a = mine.find((x) => x.id === Number(rest[0]));
      return a ? json(200, this.index.additionRecord(a)) : notFound(`Addition ${rest[0]}`);
    }
    return this.list(
      req,
      mine.map((a) => this.index.additionRecord(a)),
      KNOWN.additions,
      false,
    );
  }

  private handleAdditions(req: ParsedRequest, agreementId: number, rest: string[]): Reply | Promise<Reply> {
    const agreement = this.index.agreement(agreementId);
    if (!agreement) return notFound(`Agreement ${agreementId}`);
    const mine = this.index.additionsOf(agreementId);
    if (req.method === 'GET') return this.readAdditions(req, mine, rest);
    if (req.method === 'POST' && !rest[0]) return this.post(req, agreement);
    // Security is checked before the record is looked up here; whether ConnectWise does so too
    // is unverified (vendor evidence #31), so doctor does not rely on it.
    const needed = WRITE_PERMISSION[req.method];
    if (needed && !this.can(needed)) return security();
    const addition = mine.find((x) => x.id === Number(rest[0]));
    if (!addition) return notFound(`Addition ${rest[0]}`);
    return this.writeOne(req, addition);
  }

  /** A POST creating an addition: now, or (under `lateCreate`) after the client gave up. */
  private post(req: ParsedRequest, agreement: CwAgreement): Reply | Promise<Reply> {
    if (!this.can('agreements.add')) return security();
    if (hit(this.switches.lateCreate, req.path)) return this.lateCreate(req.body, agreement, this.switches.lateCreate!);
    return writeAnswer(this.switches, 'POST', req.path, this.createAddition(req.body, agreement));
  }

  /** PATCH, PUT or DELETE on one addition. */
  private writeOne(req: ParsedRequest, addition: CwAddition): Reply {
    if (req.method === 'PATCH') return this.patch(req, addition);
    if (req.method === 'PUT') {
      replaceAddition(addition, (req.body ?? {}) as Rec);
      return json(200, this.index.additionRecord(addition));
    }
    if (req.method === 'DELETE') {
      this.world.additions.splice(this.world.additions.indexOf(addition), 1);
      this.index.refresh();
      return { status: 204 };
    }
    return json(405, { code: 'MethodNotAllowed', message: `${req.method} is not allowed here` });
  }

  /** A PATCH applied (or, under `falsePatch`, not applied but answered 200 as if it were). */
  private patch(req: ParsedRequest, addition: CwAddition): Reply {
    if (hit(this.switches.falsePatch, req.path)) return json(200, this.index.additionRecord(addition));
    const refused = patchAddition(req.body, addition);
    if (refused) return refused;
    return writeAnswer(this.switches, 'PATCH', req.path, json(200, this.index.additionRecord(addition)));
  }

  /** No answer now; the create is applied later, after the client gave up on it. */
  private lateCreate(body: unknown, agreement: CwAgreement, sw: NonNullable<CwSwitches['lateCreate']>): Promise<Reply> {
    return new Promise((resolve) => {
      const land = () => {
        this.createAddition(body, agreement);
        resolve({ status: 201, drop: true });
      };
      this.pending.push({ left: sw.landAfter ?? 1, land });
      if (sw.answer) resolve(gatewayPage(sw.answer));
      else if (!sw.hold) resolve({ status: 201, drop: true });
    });
  }

  private createAddition(body: unknown, agreement: CwAgreement): Reply {
    const made = newAddition(this.world, body, agreement, this.switches.priceOnCreate === true);
    if ('status' in made) return made;
    this.world.additions.push(made);
    this.index.added(made);
    return json(201, this.index.additionRecord(made));
  }

  private throttle(): Reply | undefined {
    const limit = this.switches.rateLimit;
    if (!limit) return undefined;
    const now = (limit.now ?? Date.now)();
    while (this.served.length > 0 && this.served[0]! <= now - 1000) this.served.shift();
    if (this.served.length >= limit.perSecond) {
      const wait = limit.retryAfterSeconds ?? 1;
      return json(
        429,
        { error: 'ConnectWiseAPI', message: `Too many requests. Please try again in ${wait} seconds.` },
        { 'retry-after': String(wait) },
      );
    }
    this.served.push(now);
    return undefined;
  }

  /** /login/companyinfo/{company}: null for a company this server is not. */
  private companyInfo(company: string): Reply {
    if (company.toLowerCase() !== this.world.company.toLowerCase()) return json(200, null);
    return json(200, {
      CompanyName: 'Sandbox MSP',
      Codebase: this.world.codebase,
      VersionCode: 'v2025.1',
      VersionNumber: 'v4.6.2025',
      CompanyID: this.world.company,
      IsCloud: false,
      SiteUrl: this.origin,
    });
  }

  /** An authorized request under apis/3.0, by its path parts: module, resource, id, sub-resource. */
  private api(req: ParsedRequest, parts: string[]): Reply | Promise<Reply> {
    const [module, resource, id, sub, ...rest] = parts;
    const route = `${module}/${resource}`;
    if (route === 'finance/agreements') return this.agreements(req, id, sub, rest);
    if (req.method !== 'GET') return notFound(`Resource ${req.path}`);
    if (route === 'system/info') return json(200, SYSTEM_INFO);
    const read = this.reads[route];
    if (!read) return notFound(`Resource ${req.path}`);
    if (!this.can(read.permission)) return security();
    return this.collection(req, read.rows(), id, read.noun, read.known, read.children);
  }

  /** The read-only collections, by module/resource. */
  private readonly reads: Record<string, CollectionRead | undefined> = {
    'company/companies': {
      permission: 'companies',
      rows: () => this.world.companies.map(toCompany),
      noun: 'Company',
      known: KNOWN.companies,
      children: KNOWN.companyChildren,
    },
    'procurement/catalog': {
      permission: 'catalog',
      rows: () => this.world.catalog.map(toCatalogItem),
      noun: 'Catalog item',
      known: KNOWN.catalog,
    },
  };

  /** finance/agreements: the list, one, its count, or an agreement's additions. */
  private agreements(req: ParsedRequest, id: string | undefined, sub: string | undefined, rest: string[]) {
    if (id && sub === 'additions') return this.handleAdditions(req, Number(id), rest);
    if (req.method !== 'GET') return json(405, { code: 'MethodNotAllowed', message: 'not supported by the sandbox' });
    if (!this.can('agreements.inquire')) return security();
    return this.collection(
      req,
      this.world.agreements.map((a) => this.index.agreementRecord(a)),
      id,
      'Agreement',
      KNOWN.agreements,
    );
  }
}

export async function startFakeConnectWise(
  world: CwWorld,
  options: FakeConnectWiseOptions = {},
): Promise<FakeConnectWise> {
  const switches: CwSwitches = { ignoreForwardOnly: options.ignoreForwardOnly, ...options.switches };
  const fake = new FakeConnectWiseServer(world, switches);
  const server = await startServer((req) => fake.handle(req), { port: options.port, latencyMs: options.latencyMs });
  fake.origin = server.origin;
  return Object.assign(server, {
    world,
    apiBase: `${server.origin}/${world.codebase}apis/3.0`,
    switches,
    pendingCreates: () => fake.pending.length,
    landPendingCreates: () => fake.landDue(true),
  });
}
