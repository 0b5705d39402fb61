/**
 * A ConnectWise Manage client that does what most public clients get subtly wrong: it sends
 * clientId and a pinned Accept version first, finds the codebase for cloud sites (again after
 * a 404), pages every list to an end it can prove (never past a loop or a cap), checks every
 * answer's shape before use (an HTML page or an object is an error, never "no additions"),
 * and never PUTs or DELETEs.
 */
import type { ConnectWiseSettings } from '../config/types.js';
import { type CallRef, CwsyncError, NotUnderstood, PagingError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import { type Checked, checkList, checkRecord, describeAnswer, type RecordSpec } from '../http/shape.js';
import { type HttpResponse, type Method, Transport, type TransportOptions } from '../http/transport.js';
import type { Logger } from '../log.js';
import { checkCredentials, connectWiseHint, secretName } from './client-setup.js';
import { and, eq, queryString } from './conditions.js';
import { pageAll } from './paging.js';
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
const MAX_PAGES = 1000;

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
      throw this.notUnderstood(res, 'GET', label, {
        expected: 'a Codebase of one path segment such as v4_6_release/',
      });
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

  /** A call as messages name it: ConnectWise's name is filled in here, the adapter. */
  private callRef(method: Method, label: string, path?: string): CallRef {
    return { service: 'ConnectWise', method, path: path ?? '', label };
  }

  private notUnderstood(
    res: HttpResponse,
    method: Method,
    label: string,
    failed: { expected: string; why?: string },
    path?: string,
  ): NotUnderstood {
    return new NotUnderstood({ from: this.callRef(method, label, path), ...failed, got: describeAnswer(res) });
  }

  private checked<T>(res: HttpResponse, result: Checked<T>, method: Method, label: string, path?: string): T {
    if (result.ok) return result.value;
    throw this.notUnderstood(res, method, label, result, path);
  }

  /** One checked answer: a record of `spec`, or NotUnderstood naming the call and what came back. */
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
   * Every record of a list, paged to an end it can prove (paging.ts): forward-only paging
   * (ordered by id), falling back to page numbers where the endpoint ignores it. A loop, the
   * page cap, or a full last page the count contradicts is a PagingError, never a truncation.
   */
  list<T extends { id: number }>(path: string, query: ListQuery, label: string, spec: RecordSpec): Promise<T[]> {
    const fields = query.fields?.join(',');
    const page = async (params: Record<string, string | number | undefined>, headers?: Record<string, string>) => {
      const qs = queryString({ conditions: query.conditions, fields, ...params });
      const res = await this.call<T[]>('GET', `${path}${qs}`, { label, headers });
      const rows = this.checked(res, checkList<T>(res, spec), 'GET', label, this.pathOf(path));
      return { rows, link: res.headers.get('link') };
    };
    return pageAll<T>({
      pageSize: PAGE_SIZE,
      maxPages: this.maxPages,
      forwardOnly: (pageId) => page({ pageSize: PAGE_SIZE, pageId }, { 'pagination-type': 'forward-only' }),
      byNumber: (n) => page({ orderBy: 'id asc', pageSize: PAGE_SIZE, page: n }),
      count: () => this.count(path, query.conditions, `${label}: count to confirm the last page`),
      fail: (reason, cap) => this.pagingError(path, label, reason, cap),
      onFallback: () => this.log?.info({ path }, 'forward-only paging not honoured; paging by number'),
    });
  }

  private pagingError(path: string, label: string, reason: string, cap?: boolean): PagingError {
    return new PagingError(
      this.callRef('GET', label, this.pathOf(path)),
      `${reason}; stopped, nothing from it was used`,
      cap ? { hint: 'narrow the query (fewer names per binding file), or report this list as unusually long' } : {},
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

  /** The additions of one agreement; a row naming another agreement is an error of the call, never billed here. */
  async additions(agreementId: number, conditions?: string): Promise<Addition[]> {
    const path = `/finance/agreements/${agreementId}/additions`;
    const label = `list additions of agreement ${agreementId}`;
    const rows = await this.list<Addition>(path, { conditions, fields: LIST_FIELDS.additions }, label, ADDITION);
    const strays = rows.filter((r) => r.agreementId !== agreementId);
    if (strays.length > 0)
      throw new NotUnderstood({
        from: this.callRef('GET', label, this.pathOf(path)),
        expected: `the additions of agreement ${agreementId}`,
        got: `a list of ${rows.length} additions`,
        why: `${strays.length} of them ${strays[0]!.agreementId === undefined ? 'say no agreementId' : `belong to agreement ${strays[0]!.agreementId}`}`,
      });
    return rows;
  }

  /** One addition, read back after a write (its price, its state). */
  addition(agreementId: number, additionId: number): Promise<Addition> {
    return this.record(
      'GET',
      `/finance/agreements/${agreementId}/additions/${additionId}`,
      ADDITION,
      `read addition ${additionId} on agreement ${agreementId}`,
    );
  }

  /** A 2xx whose body is not an addition throws NotUnderstood, whose outcome is unknown: read back. */
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
