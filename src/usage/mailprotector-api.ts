/**
 * Everything cwsync assumes about Mailprotector's v1 REST API, in one place. Sources: the
 * reference notes (shared/reference/mailprotector-and-peers.md §2), which come from a
 * third-party SDK, not from official docs. Where they are clear we are strict; where unsure,
 * tolerant.
 *
 * Clear:
 * - base https://emailservice.io/api/v1, `Authorization: Bearer <key>` on every request;
 * - reseller -> customers -> domains -> user groups (with user_count) -> services;
 * - lists take a 1-based `page`;
 * - a trailing slash redirects and the redirect drops the auth header, so paths never end
 *   in one and redirects are not followed.
 * Unsure, so tolerant:
 * - the envelope: a bare array, or an object holding the array under `data` or the
 *   resource's name;
 * - the end of a list: follow `Link: rel="next"` or `X-Total-Pages`/`Total-Pages` headers or a
 *   `meta.total_pages` body field when present; otherwise read until an empty page, which
 *   costs one request more but can never truncate. When the first page names the last one
 *   (`rel="last"` or a total), the rest are fetched in parallel;
 * - domain listing at the reseller level: used when every domain names its `account`;
 *   otherwise domains are listed per customer;
 * - a domain alias is a domain with a non-null `parent`: skipped, so its users are not
 *   counted twice;
 * - services of a user group: an array of `{ service_type }` (or `name`/`type`) records, or
 *   a `{ hosting, addons[] }` object as the services PUT takes;
 * - `user_count` counts the billable users of a group.
 */
import type { HttpResponse } from '../http/transport.js';

export const DEFAULT_URL = 'https://emailservice.io/api/v1';

export interface MpRef {
  id: number;
  name?: string;
}

export interface MpCustomerRecord {
  id: number;
  name?: string;
}

export interface MpDomainRecord {
  id: number;
  name?: string;
  account?: MpRef | null;
  parent?: MpRef | null;
}

export interface MpUserGroupRecord {
  id: number;
  name?: string;
  user_count?: number;
}

export const paths = {
  customers: (reseller: number) => `/resellers/${reseller}/customers`,
  resellerDomains: (reseller: number) => `/resellers/${reseller}/domains`,
  customerDomains: (customer: number) => `/customers/${customer}/domains`,
  userGroups: (domain: number) => `/domains/${domain}/user_groups`,
  services: (userGroup: number) => `/user_groups/${userGroup}/services`,
};

/** The records of one page, whatever the envelope. */
export function recordsOf<T>(body: unknown, resource: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['data', resource, 'results', 'items']) if (Array.isArray(b[key])) return b[key] as T[];
  }
  return [];
}

/** true: there is a next page; false: this was the last; undefined: the server did not say. */
export function hasNextPage(res: HttpResponse, page: number): boolean | undefined {
  const link = res.headers.get('link');
  if (link !== null) return /rel="?next"?/.test(link);
  const total = res.headers.get('x-total-pages') ?? res.headers.get('total-pages');
  if (total !== null && /^\d+$/.test(total)) return page < Number(total);
  const meta = (res.body as { meta?: { total_pages?: number } } | undefined)?.meta;
  if (typeof meta?.total_pages === 'number') return page < meta.total_pages;
  return undefined;
}

/** The last page number, when the server says it (Link rel="last", or a total-pages header). */
export function lastPage(res: HttpResponse): number | undefined {
  const link = res.headers.get('link');
  const m = link ? /[?&]page=(\d+)[^>]*>;\s*rel="?last"?/.exec(link) : null;
  if (m) return Number(m[1]);
  const total = res.headers.get('x-total-pages') ?? res.headers.get('total-pages');
  return total !== null && /^\d+$/.test(total) ? Number(total) : undefined;
}

/** Service names of a user group, from either known shape of the services resource. */
export function serviceNamesOf(body: unknown): string[] {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as { hosting?: unknown; addons?: unknown; service_types?: unknown };
    const st = (b.service_types ?? b) as { hosting?: unknown; addons?: unknown };
    if (st.hosting !== undefined || st.addons !== undefined) {
      return [st.hosting, ...(Array.isArray(st.addons) ? st.addons : [])].filter(
        (s): s is string => typeof s === 'string' && s.length > 0,
      );
    }
  }
  return recordsOf<Record<string, unknown>>(body, 'services')
    .map((r) => r.service_type ?? r.name ?? r.type)
    .filter((s): s is string => typeof s === 'string' && s.length > 0);
}
