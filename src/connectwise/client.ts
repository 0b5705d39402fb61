/**
 * A ConnectWise Manage client that does what most public clients get subtly wrong: it sends
 * clientId and a pinned Accept version first, finds the codebase for cloud sites (again after
 * a 404), pages every list to an end it can prove (never past a loop or a cap), checks every
 * answer's shape before use (an HTML page or an object is an error, never "no additions"),
 * and never PUTs or DELETEs.
 */
import type { ConnectWiseSettings, SecretRef } from '../config/types.js';
import { CwsyncError } from '../errors.js';
import { HttpError, PagingError, ShapeError } from '../http/errors.js';
import { linkNumber, parseLinkHeader } from '../http/link.js';
import { type Checked, checkList, checkRecord, describeAnswer, type RecordSpec } from '../http/shape.js';
import {
  type ErrorFacts,
  type HttpResponse,
  type Method,
  Transport,
  type TransportOptions,
  unsendable,
} from '../http/transport.js';
import type { Logger } from '../log.js';
import { and, eq, queryString } from './conditions.js';
import { describePermission, permissionFor } from './permissions.js';
import { ADDITION, AGREEMENT, CATALOG_ITEM, COMPANY, COMPANY_INFO, COUNT, SYSTEM_INFO } from './shapes.js';
import type { Addition, Agreement, CatalogItem, Company, JsonPatchOp, NewAddition } from './types.js';

export interface ConnectWiseCredentials {
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface ListQuery {
  conditions?: string;
  fields?: readonly string[];
  orderBy?: string;
}

export const PAGE_SIZE = 1000;
/** A million records: far beyond any tenant's companies or one agreement's additions. */
export const MAX_PAGES = 1000;

/** The fields each list asks for (`fields=`): the adapter's reads and `doctor --shapes` ask alike. */
export const LIST_FIELDS = {
  companies: ['id', 'identifier', 'name', 'deletedFlag'],
  agreements: ['id', 'name', 'type', 'company', 'agreementStatus', 'cancelledFlag'],
  catalog: ['id', 'identifier', 'description', 'inactiveFlag', 'price'],
  additions: ['id', 'agreementId', 'product', 'quantity', 'unitPrice', 'effectiveDate', 'cancelledDate', 'description'],
} as const satisfies Record<string, readonly string[]>;

/** Transport settings a caller (a test, the benchmark) may set; the rest come from the config. */
export type ClientOptions = Partial<
  Pick<
    TransportOptions,
    | 'maxAttempts'
    | 'baseDelayMs'
    | 'maxDelayMs'
    | 'maxRetryAfterMs'
    | 'timeoutMs'
    | 'clock'
    | 'random'
    | 'maxBodyBytes'
    | 'deadlineAt'
  >
> & { maxPages?: number };

export function connectWiseHint(settings: Pick<ConnectWiseSettings, 'site' | 'url' | 'company'>) {
  return (f: ErrorFacts): string | undefined => {
    const text = `${f.code ?? ''} ${f.message ?? ''}`.toLowerCase();
    if (f.status === 0) return `check that ${settings.site ?? settings.url} is reachable from this machine`;
    if (f.status === 401)
      return `check connectwise.company ("${settings.company}", the login company ID, case-sensitive) and the API member's public and private keys`;
    if (f.status === 403) {
      const p = permissionFor(f.method, f.path);
      return p
        ? `the API member's security role needs ${describePermission(p)} (to ${p.why})`
        : "check the API member's security role";
    }
    if (f.status === 400 && text.includes('clientid'))
      return "check the clientId header: connectwise.clientId must be your integration's GUID from developer.connectwise.com";
    if (f.status === 404 && settings.site)
      return 'on ConnectWise cloud a 404 can mean a stale codebase or wrong credentials: check connectwise.company and the keys';
    if (f.status === 404)
      return 'check connectwise.url: it should end in /apis/3.0 (e.g. https://cw.example.com/v4_6_release/apis/3.0)';
    if (f.status === 429)
      return 'ConnectWise is throttling this integration; lower connectwise.concurrency or run at a quieter time';
    if (f.status >= 500)
      return 'ConnectWise had a server error; a write it may still carry out is settled by reading it back, never sent twice';
    return undefined;
  };
}

/** `connectwise.privateKey from env CW_PRIVATE_KEY`: how a secret is named in messages, never by value. */
function secretName(label: string, ref: SecretRef): string {
  return `${label} from ${'env' in ref ? `env ${ref.env}` : `file ${ref.file}`}`;
}

/** Refuses, before any request, a credential that cannot travel in a header; names it, never quotes it. */
function checkCredentials(settings: ConnectWiseSettings, credentials: ConnectWiseCredentials): void {
  const named: Array<[string, string]> = [
    [secretName('connectwise.publicKey', settings.publicKey), credentials.publicKey],
    [secretName('connectwise.privateKey', settings.privateKey), credentials.privateKey],
    [secretName('connectwise.clientId', settings.clientId), credentials.clientId],
    ['connectwise.company', settings.company],
  ];
  for (const [name, value] of named) {
    if (!unsendable(value, true)) continue;
    throw new CwsyncError(`${name} holds a control character (a line break?) or a non-Latin-1 character`, {
      hint: `a credential must be one line of printable characters; check what ${name.replace(/^\S+ from /, '')} holds`,
    });
  }
}

/** A single record's 404 is an answer ("no such record"), not a failure. */
async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return null;
    throw err;
  }
}

export class ConnectWiseClient {
  private base: string | undefined;
  private readonly auth: string;
  private readonly maxPages: number;

  constructor(
    private readonly settings: ConnectWiseSettings,
    private readonly credentials: ConnectWiseCredentials,
    readonly transport: Transport,
    private readonly log?: Logger,
    options: { maxPages?: number } = {},
  ) {
    checkCredentials(settings, credentials);
    this.auth = `Basic ${Buffer.from(`${settings.company}+${credentials.publicKey}:${credentials.privateKey}`).toString('base64')}`;
    if (settings.url) this.base = settings.url.replace(/\/+$/, '');
    this.maxPages = options.maxPages ?? MAX_PAGES;
  }

  static create(
    settings: ConnectWiseSettings,
    credentials: ConnectWiseCredentials,
    logger?: Logger,
    options: ClientOptions = {},
  ): ConnectWiseClient {
    checkCredentials(settings, credentials);
    const { maxPages, ...transportOptions } = options;
    const basic = Buffer.from(`${settings.company}+${credentials.publicKey}:${credentials.privateKey}`).toString(
      'base64',
    );
    const transport = new Transport({
      service: 'ConnectWise',
      concurrency: settings.concurrency,
      timeoutMs: (settings.timeoutSeconds ?? 30) * 1000,
      logger,
      hint: connectWiseHint(settings),
      secrets: [credentials.publicKey, credentials.privateKey, credentials.clientId, basic],
      headerSources: {
        authorization: 'connectwise.company, publicKey and privateKey',
        clientid: secretName('connectwise.clientId', settings.clientId),
      },
      ...transportOptions,
    });
    return new ConnectWiseClient(settings, credentials, transport, logger, { maxPages });
  }

  /** Whether the codebase is found from a site (rather than a full url). */
  get usesSite(): boolean {
    return !this.settings.url && !!this.settings.site;
  }

  /** The unchecked answer of /login/companyinfo/{company}, which needs no credentials. */
  companyInfo(): Promise<HttpResponse> {
    const site = this.settings.site!;
    const origin = site.includes('://') ? site.replace(/\/+$/, '') : `https://${site}`;
    return this.transport.request({
      method: 'GET',
      url: `${origin}/login/companyinfo/${encodeURIComponent(this.settings.company)}`,
      headers: { accept: 'application/json' },
      label: 'find the codebase',
    });
  }

  /** `https://{site}/{codebase}apis/3.0`, from /login/companyinfo for a site. */
  async baseUrl(refresh = false): Promise<string> {
    if (this.base && !refresh) return this.base;
    const site = this.settings.site!;
    const origin = site.includes('://') ? site.replace(/\/+$/, '') : `https://${site}`;
    const label = 'find the codebase';
    const res = await this.companyInfo();
    if (res.format === 'json' && res.body === null) {
      throw new CwsyncError(`ConnectWise at ${site} knows no company "${this.settings.company}"`, {
        hint: 'connectwise.company must be the company ID you type on the ConnectWise login page',
      });
    }
    const info = this.checked(res, checkRecord<{ Codebase: string }>(res, COMPANY_INFO), 'GET', label);
    if (!/^\/?[\w.-]+\/?$/.test(info.Codebase))
      throw this.shapeError(res, 'GET', label, 'expected Codebase to be one path segment such as v4_6_release/');
    this.base = `${origin}/${info.Codebase.replace(/^\/+/, '').replace(/\/?$/, '/')}apis/3.0`;
    this.log?.debug({ base: this.base }, 'ConnectWise codebase');
    return this.base;
  }

  private headers(): Record<string, string> {
    return {
      accept: `application/vnd.connectwise.com+json; version=${this.settings.apiVersion}, application/json`,
      authorization: this.auth,
      clientid: this.credentials.clientId,
    };
  }

  /** One call; a 404 on a site re-reads the codebase once, as hosted upgrades move it. The body is unchecked. */
  async call<T = unknown>(
    method: Method,
    pathAndQuery: string,
    options: { body?: unknown; label?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse<T>> {
    const send = async () =>
      this.transport.request<T>({
        method,
        url: `${await this.baseUrl()}${pathAndQuery}`,
        headers: { ...this.headers(), ...options.headers },
        body: options.body,
        label: options.label,
      });
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404 && this.settings.site)) throw err;
      const before = this.base;
      if ((await this.baseUrl(true)) === before) throw err;
      return send();
    }
  }

  /** The path part of a call, as messages name it (the same as HttpError's). */
  private pathOf(pathAndQuery: string): string {
    const path = pathAndQuery.split('?')[0]!;
    try {
      return new URL(`${this.base ?? ''}${path}`).pathname;
    } catch {
      return path;
    }
  }

  private shapeError(res: HttpResponse, method: Method, label: string, problem: string, path?: string): ShapeError {
    return new ShapeError('ConnectWise', method, path ?? '', res.status, problem, describeAnswer(res), { label });
  }

  private checked<T>(res: HttpResponse, result: Checked<T>, method: Method, label: string, path?: string): T {
    if (result.ok) return result.value;
    throw this.shapeError(res, method, label, result.problem, path);
  }

  /** One checked answer: a record of `spec`, or a ShapeError naming the call and what came back. */
  private async record<T>(
    method: Method,
    pathAndQuery: string,
    spec: RecordSpec,
    label: string,
    body?: unknown,
  ): Promise<T> {
    const res = await this.call(method, pathAndQuery, { label, body });
    return this.checked(res, checkRecord<T>(res, spec), method, label, this.pathOf(pathAndQuery));
  }

  /**
   * Every record of a list, paged with forward-only paging (ordered by id) to an end it can
   * prove: a short page, or a full one whose Link header names no next page. A repeated page id,
   * a page repeating records already read, or the page cap is an error, never a truncation.
   */
  async list<T extends { id: number }>(path: string, query: ListQuery, label: string, spec: RecordSpec): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<number>();
    const pageIds = new Set<number>();
    let pageId: number | undefined;
    for (let n = 1; ; n++) {
      if (n > this.maxPages) throw this.pageCap(path, label);
      const qs = queryString({
        conditions: query.conditions,
        fields: query.fields?.join(','),
        pageSize: PAGE_SIZE,
        pageId,
      });
      const res = await this.call<T[]>('GET', `${path}${qs}`, {
        label,
        headers: { 'pagination-type': 'forward-only' },
      });
      const page = this.checked(res, checkList<T>(res, spec), 'GET', label, this.pathOf(path));
      const again = page.filter((r) => seen.has(r.id)).length;
      if (again > 0 || (pageId !== undefined && page.some((r) => r.id <= pageId!)))
        throw this.loop(
          path,
          label,
          `page ${n} (after pageId ${pageId}) repeats ${again || 'earlier'} record${again === 1 ? '' : 's'} already read: the server ignored pageId`,
        );
      for (const r of page) {
        seen.add(r.id);
        out.push(r);
      }
      if (page.length < PAGE_SIZE) return out;
      const link = res.headers.get('link');
      const next = linkNumber(link, 'next', 'pageId');
      if (next !== undefined) {
        if (next === pageId || pageIds.has(next))
          throw this.loop(path, label, `the Link header of page ${n} points back to pageId ${next}, already read`);
        pageIds.add(next);
        pageId = next;
        continue;
      }
      // A full page ends the list when the Link header is there without a next pageId (the
      // forward-only end). No Link at all, or a navigable rel="next", means this endpoint
      // ignores forward-only paging: stopping would silently truncate, so page by number.
      const rels = parseLinkHeader(link).flatMap((l) => l.rels);
      if (link !== null && !rels.includes('next')) return out;
      this.log?.info({ path }, 'forward-only paging not honoured; paging by number');
      return this.listByPage<T>(path, query, label, spec);
    }
  }

  /** Navigable paging ordered by id, to the first short page; de-duplicated by id. */
  private async listByPage<T extends { id: number }>(
    path: string,
    query: ListQuery,
    label: string,
    spec: RecordSpec,
  ): Promise<T[]> {
    const byId = new Map<number, T>();
    for (let page = 1; ; page++) {
      if (page > this.maxPages) throw this.pageCap(path, label);
      const qs = queryString({
        conditions: query.conditions,
        fields: query.fields?.join(','),
        orderBy: 'id asc',
        pageSize: PAGE_SIZE,
        page,
      });
      const res = await this.call<T[]>('GET', `${path}${qs}`, { label });
      const rows = this.checked(res, checkList<T>(res, spec), 'GET', label, this.pathOf(path));
      // Records shifting between pages while they are read can repeat a few; a whole page
      // of records already read is a server answering the same page again.
      if (rows.length > 0 && rows.every((r) => byId.has(r.id)))
        throw this.loop(path, label, `page ${page} repeats page ${page - 1}: the server ignored the page number`);
      for (const r of rows) byId.set(r.id, r);
      if (rows.length < PAGE_SIZE) return [...byId.values()];
    }
  }

  private loop(path: string, label: string, reason: string): PagingError {
    return new PagingError('ConnectWise', 'GET', this.pathOf(path), `${reason}; stopped, nothing from it was used`, {
      label,
    });
  }

  private pageCap(path: string, label: string): PagingError {
    return new PagingError(
      'ConnectWise',
      'GET',
      this.pathOf(path),
      `stopped at the cap of ${this.maxPages} pages of ${PAGE_SIZE}, so the list may go on; nothing from it was used`,
      { label, hint: 'narrow the query (fewer names per binding file), or report this list as unusually long' },
    );
  }

  async count(path: string, conditions: string | undefined, label: string): Promise<number> {
    const body = await this.record<{ count: number }>(
      'GET',
      `${path}/count${queryString({ conditions })}`,
      COUNT,
      label,
    );
    return body.count;
  }

  systemInfo(): Promise<{ version?: string; isCloud?: boolean }> {
    return this.record('GET', '/system/info', SYSTEM_INFO, 'read system info');
  }

  companies(conditions: string | undefined): Promise<Company[]> {
    return this.list<Company>(
      '/company/companies',
      { conditions: and(conditions, eq('deletedFlag', false)), fields: LIST_FIELDS.companies },
      'list companies',
      COMPANY,
    );
  }

  agreements(conditions: string | undefined): Promise<Agreement[]> {
    return this.list<Agreement>(
      '/finance/agreements',
      {
        conditions: and(conditions, eq('cancelledFlag', false)),
        fields: LIST_FIELDS.agreements,
      },
      'list agreements',
      AGREEMENT,
    );
  }

  /** One agreement by id; null when ConnectWise has no such agreement (404). */
  agreement(id: number): Promise<Agreement | null> {
    return orNull(
      this.record<Agreement>(
        'GET',
        `/finance/agreements/${id}${queryString({ fields: LIST_FIELDS.agreements.join(',') })}`,
        AGREEMENT,
        `read agreement ${id}`,
      ),
    );
  }

  /** One company by id, deleted or not; null when ConnectWise has no such company (404). */
  company(id: number): Promise<Company | null> {
    return orNull(
      this.record<Company>(
        'GET',
        `/company/companies/${id}${queryString({ fields: LIST_FIELDS.companies.join(',') })}`,
        COMPANY,
        `read company ${id}`,
      ),
    );
  }

  catalogItems(conditions: string): Promise<CatalogItem[]> {
    // inactiveFlag is filtered here, not in conditions: some endpoints reject it there.
    return this.list<CatalogItem>(
      '/procurement/catalog',
      { conditions, fields: LIST_FIELDS.catalog },
      'list catalog items',
      CATALOG_ITEM,
    );
  }

  additions(agreementId: number, conditions?: string): Promise<Addition[]> {
    return this.list<Addition>(
      `/finance/agreements/${agreementId}/additions`,
      {
        conditions,
        fields: LIST_FIELDS.additions,
      },
      `list additions of agreement ${agreementId}`,
      ADDITION,
    );
  }

  /** A 2xx whose body is not an addition throws a ShapeError whose outcome is unknown: read back. */
  createAddition(agreementId: number, addition: NewAddition): Promise<Addition> {
    return this.record(
      'POST',
      `/finance/agreements/${agreementId}/additions`,
      ADDITION,
      `create an addition on agreement ${agreementId}`,
      addition,
    );
  }

  patchAddition(agreementId: number, additionId: number, ops: JsonPatchOp[]): Promise<Addition> {
    return this.record(
      'PATCH',
      `/finance/agreements/${agreementId}/additions/${additionId}`,
      ADDITION,
      `update addition ${additionId} on agreement ${agreementId}`,
      ops,
    );
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
