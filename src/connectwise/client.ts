/**
 * A ConnectWise Manage client that does what most public clients get subtly wrong: it sends
 * clientId and a pinned Accept version first, finds the codebase for cloud sites (again after
 * a 404), pages every list to the end, and never PUTs or DELETEs.
 */
import type { ConnectWiseSettings } from '../config/types.js';
import { CwsyncError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import { type ErrorFacts, type Method, Transport } from '../http/transport.js';
import type { Logger } from '../log.js';
import { and, eq, queryString } from './conditions.js';
import { describePermission, permissionFor } from './permissions.js';
import type { Addition, Agreement, CatalogItem, Company, JsonPatchOp, NewAddition } from './types.js';

export interface ConnectWiseCredentials {
  publicKey: string;
  privateKey: string;
  clientId: string;
}

export interface ListQuery {
  conditions?: string;
  fields?: string[];
  orderBy?: string;
}

export const PAGE_SIZE = 1000;

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
    if (f.status >= 500) return 'ConnectWise had a server error; running again is safe';
    return undefined;
  };
}

export class ConnectWiseClient {
  private base: string | undefined;
  private readonly auth: string;

  constructor(
    private readonly settings: ConnectWiseSettings,
    private readonly credentials: ConnectWiseCredentials,
    readonly transport: Transport,
    private readonly log?: Logger,
  ) {
    this.auth = `Basic ${Buffer.from(`${settings.company}+${credentials.publicKey}:${credentials.privateKey}`).toString('base64')}`;
    if (settings.url) this.base = settings.url.replace(/\/+$/, '');
  }

  static create(
    settings: ConnectWiseSettings,
    credentials: ConnectWiseCredentials,
    logger?: Logger,
    overrides: { maxAttempts?: number; baseDelayMs?: number; timeoutMs?: number } = {},
  ): ConnectWiseClient {
    const transport = new Transport({
      service: 'ConnectWise',
      concurrency: settings.concurrency,
      logger,
      hint: connectWiseHint(settings),
      ...overrides,
    });
    return new ConnectWiseClient(settings, credentials, transport, logger);
  }

  /** `https://{site}/{codebase}apis/3.0`, from /login/companyinfo for a site. */
  async baseUrl(refresh = false): Promise<string> {
    if (this.base && !refresh) return this.base;
    const site = this.settings.site!;
    const origin = site.includes('://') ? site.replace(/\/+$/, '') : `https://${site}`;
    const res = await this.transport.request<{ Codebase?: string } | null>({
      method: 'GET',
      url: `${origin}/login/companyinfo/${encodeURIComponent(this.settings.company)}`,
      headers: { accept: 'application/json' },
      label: 'find the codebase',
    });
    const codebase = res.body?.Codebase;
    if (!codebase) {
      throw new CwsyncError(`ConnectWise at ${site} knows no company "${this.settings.company}"`, {
        hint: 'connectwise.company must be the company ID you type on the ConnectWise login page',
      });
    }
    this.base = `${origin}/${codebase.replace(/^\/+/, '').replace(/\/?$/, '/')}apis/3.0`;
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

  /** One call; a 404 on a site re-reads the codebase once, as hosted upgrades move it. */
  async call<T>(
    method: Method,
    pathAndQuery: string,
    options: { body?: unknown; label?: string; headers?: Record<string, string> } = {},
  ) {
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

  /** Every record of a list, paged to the end with forward-only paging (ordered by id). */
  async list<T extends { id: number }>(path: string, query: ListQuery, label: string): Promise<T[]> {
    const out: T[] = [];
    let pageId: number | undefined;
    for (;;) {
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
      const page = Array.isArray(res.body) ? res.body : [];
      out.push(...page);
      if (page.length < PAGE_SIZE) return out;
      const link = res.headers.get('link');
      const next = nextPageId(link);
      if (next !== undefined && next !== pageId) {
        pageId = next;
        continue;
      }
      // A full page ends the list when the Link header is there without a next pageId (the
      // forward-only end). No Link at all, or a navigable rel="next", means this endpoint
      // ignores forward-only paging: stopping would silently truncate, so page by number.
      if (link !== null && !/rel="?next"?/.test(link)) return out;
      this.log?.info({ path }, 'forward-only paging not honoured; paging by number');
      return this.listByPage<T>(path, query, label);
    }
  }

  /** Navigable paging ordered by id, to the first short page; de-duplicated by id. */
  private async listByPage<T extends { id: number }>(path: string, query: ListQuery, label: string): Promise<T[]> {
    const byId = new Map<number, T>();
    for (let page = 1; ; page++) {
      const qs = queryString({
        conditions: query.conditions,
        fields: query.fields?.join(','),
        orderBy: 'id asc',
        pageSize: PAGE_SIZE,
        page,
      });
      const res = await this.call<T[]>('GET', `${path}${qs}`, { label });
      const rows = Array.isArray(res.body) ? res.body : [];
      for (const r of rows) byId.set(r.id, r);
      if (rows.length < PAGE_SIZE) return [...byId.values()];
    }
  }

  async count(path: string, conditions: string | undefined, label: string): Promise<number> {
    const res = await this.call<{ count: number }>('GET', `${path}/count${queryString({ conditions })}`, { label });
    return res.body?.count ?? 0;
  }

  systemInfo() {
    return this.call<{ version?: string; isCloud?: boolean }>('GET', '/system/info', { label: 'read system info' });
  }

  companies(conditions: string | undefined): Promise<Company[]> {
    return this.list<Company>(
      '/company/companies',
      { conditions: and(conditions, eq('deletedFlag', false)), fields: ['id', 'identifier', 'name', 'deletedFlag'] },
      'list companies',
    );
  }

  agreements(conditions: string | undefined): Promise<Agreement[]> {
    return this.list<Agreement>(
      '/finance/agreements',
      {
        conditions: and(conditions, eq('cancelledFlag', false)),
        fields: ['id', 'name', 'company', 'agreementStatus', 'cancelledFlag'],
      },
      'list agreements',
    );
  }

  catalogItems(conditions: string): Promise<CatalogItem[]> {
    // inactiveFlag is filtered here, not in conditions: some endpoints reject it there.
    return this.list<CatalogItem>(
      '/procurement/catalog',
      { conditions, fields: ['id', 'identifier', 'description', 'inactiveFlag', 'price'] },
      'list catalog items',
    );
  }

  additions(agreementId: number, conditions?: string): Promise<Addition[]> {
    return this.list<Addition>(
      `/finance/agreements/${agreementId}/additions`,
      {
        conditions,
        fields: ['id', 'agreementId', 'product', 'quantity', 'unitPrice', 'effectiveDate', 'cancelledDate'],
      },
      `list additions of agreement ${agreementId}`,
    );
  }

  async createAddition(agreementId: number, addition: NewAddition): Promise<Addition> {
    const res = await this.call<Addition>('POST', `/finance/agreements/${agreementId}/additions`, {
      body: addition,
      label: `create an addition on agreement ${agreementId}`,
    });
    return res.body;
  }

  async patchAddition(agreementId: number, additionId: number, ops: JsonPatchOp[]): Promise<Addition> {
    const res = await this.call<Addition>('PATCH', `/finance/agreements/${agreementId}/additions/${additionId}`, {
      body: ops,
      label: `update addition ${additionId} on agreement ${agreementId}`,
    });
    return res.body;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** The pageId of the `rel="next"` link, if any. An empty or absent Link header ends paging. */
export function nextPageId(link: string | null): number | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    if (!/rel="?next"?/.test(part)) continue;
    const m = /[?&]pageId=(\d+)/i.exec(part);
    if (m) return Number(m[1]);
  }
  return undefined;
}
