/**
 * The fake ConnectWise's fault switches, in one place apart from the server (test-only
 * behaviour; the server applies them where it answers). Each is plain data, flippable while the
 * server runs: the ways real servers and proxies have misbehaved (issue 14), and every answer
 * the vendor evidence allows that cwsync must read right or refuse loudly (issue 18,
 * reference/vendor-evidence-turn3.md).
 */
import { json, type Reply } from './harness.js';

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
type PagingFault = 'ignore-paging' | 'repeat-page-id' | 'link-loop';

export type WriteMethod = 'POST' | 'PATCH';

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
  lateCreate?: Target & {
    landAfter?: number;
    hold?: boolean;
    /** Answer at once with this status (a gateway's 504 page) instead of dropping the connection. */
    answer?: number;
  };
  /** A POST or PATCH of an addition is applied, then answered 2xx with a body that is not an addition. */
  brokenWrite?: Target & { kind: 'html' | 'empty' | 'object'; method?: WriteMethod };
  /**
   * At most `perSecond` requests in any second (by `now`, default the real clock); more get
   * 429 with `Retry-After: retryAfterSeconds` (default 1).
   */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number; now?: () => number };

  // Answers the vendor evidence allows (issue 18). Off, the fake answers as the spec says.
  /** Pages hold at most this many records, whatever pageSize asked (a server capping at 500), with a next link. */
  pageCap?: number;
  /** The forward-only Link names the next pageId with `rel="next"` (default) or with no rel at all. */
  forwardLink?: 'rel-next' | 'no-rel';
  /** After this many pages the Link is empty although records follow: a full last page without a next link. */
  endLinkAfterPages?: number;
  /** A PATCH is not applied, and answered 200 with the addition unchanged (the Developer Guide's "false 200"). */
  falsePatch?: Target;
  /** A write is applied, then answered with a redirect (seen for POSTs in 2024-2026: evidence #21). */
  redirectWrite?: Target & { method?: WriteMethod; status?: 301 | 302 | 303 | 307 };
  /** A write is applied, then answered 2xx with the addition padded to at least `bytes` (too large to read). */
  oversizedWrite?: Target & { bytes: number; method?: WriteMethod };
  /**
   * A write is applied, then answered with a gateway's error page (default 504): the backend did
   * it, the gateway in front gave up waiting. The outcome is unknown to the client.
   */
  gatewayWrite?: Target & { method?: WriteMethod; status?: number };
  /** A create fills unitPrice (and unitCost) from the catalog: unproven for the API, so off by default. */
  priceOnCreate?: boolean;
  /**
   * A write is applied, then answered 2xx with these fields left out of the addition (say a
   * cancel answered without `cancelledDate`): the answer neither shows nor denies the change.
   */
  writeOmits?: Target & { fields: string[]; method?: WriteMethod };
}

/** What a gateway in front of ConnectWise answers when the backend is slow: an HTML page. */
export const gatewayPage = (status: number): Reply => ({
  status,
  raw: `<html><head><title>${status} Gateway Time-out</title></head><body><h1>${status} Gateway Time-out</h1></body></html>`,
  headers: { 'content-type': 'text/html' },
});

const PROXY_PAGE =
  '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Please wait</h1><p>The upstream server is being updated.</p></body></html>';

type Rec = Record<string, unknown>;

/** Whether a switch applies to this path, spending one of its `times`. */
export function hit(target: Target | undefined, path: string): boolean {
  if (!target) return false;
  const times = target.times ?? Number.POSITIVE_INFINITY;
  if (times <= 0) return false;
  if (target.path && !(typeof target.path === 'string' ? path.includes(target.path) : target.path.test(path)))
    return false;
  target.times = times - 1;
  return true;
}

export function brokenBody(kind: BrokenBody, rows: Rec[], headers: Record<string, string>): Reply {
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

const applies = (sw: (Target & { method?: WriteMethod }) | undefined, method: WriteMethod, path: string) =>
  !!sw && (!sw.method || sw.method === method) && hit(sw, path);

/**
 * The answer to a write that was applied (`reply`), as a switch turns it: a body that is not an
 * addition, a redirect, an addition missing fields, or one too large to read. A refused write
 * is never turned.
 */
export function writeAnswer(switches: CwSwitches, method: WriteMethod, path: string, reply: Reply): Reply {
  if (reply.status >= 300) return reply;
  const broken = switches.brokenWrite;
  if (applies(broken, method, path)) {
    if (broken!.kind === 'object') return json(reply.status, { result: 'ok' });
    return { ...brokenBody(broken!.kind, [], {}), status: reply.status };
  }
  const gateway = switches.gatewayWrite;
  if (applies(gateway, method, path)) return gatewayPage(gateway!.status ?? 504);
  const redirect = switches.redirectWrite;
  if (applies(redirect, method, path))
    return { status: redirect!.status ?? 302, raw: '', headers: { location: `http://127.0.0.1:9${path}` } };
  const omits = switches.writeOmits;
  if (applies(omits, method, path)) {
    const record = { ...((reply.body ?? {}) as Rec) };
    for (const f of omits!.fields) delete record[f];
    return json(reply.status, record);
  }
  const oversized = switches.oversizedWrite;
  if (applies(oversized, method, path)) {
    const record = (reply.body ?? {}) as Rec;
    return json(reply.status, { ...record, invoiceDescription: 'x'.repeat(oversized!.bytes) });
  }
  return reply;
}
