/**
 * How a ConnectWise list is paged to an end it can prove (SPEC §3, "Paging always ends, and
 * proves its end"). Forward-only paging (`pagination-type: forward-only`, `pageId`) is asked
 * for; what the server answers decides the rest:
 * - a next link is followed whatever page size came back: a server may cap pages below the
 *   1,000 asked for (vendor evidence #9), so a short page with a next link is not the end;
 * - the next link is the `rel="next"` one, or the only link whatever its `rel`: no source shows
 *   which rel ConnectWise sends on a forward-only Link, and a widely used client ignores it (#8);
 * - an empty page, or a short page without a next link, ends the list;
 * - a full page without a next link may be the end or a truncation: `/count` with the same
 *   conditions decides, and a mismatch is an error of the call;
 * - no Link header at all, or a navigable one (`page=`), means the endpoint ignores forward-only
 *   paging: it is paged by number instead, to the first short page without a next link;
 * - a repeated or backward page id, a page of records already read, or the page cap is an error,
 *   never a truncation.
 */
import { linkNumber, parseLinkHeader } from '../http/link.js';

/** The server's answer to one page request, as the pager needs it. */
interface Page<T> {
  rows: T[];
  link: string | null;
}

/** What paging needs from the client: one page, the count, and how to fail. */
export interface PageSource<T> {
  pageSize: number;
  maxPages: number;
  forwardOnly(pageId: number | undefined): Promise<Page<T>>;
  byNumber(page: number): Promise<Page<T>>;
  count(): Promise<number>;
  /** A PagingError naming the call; `cap` for the page cap. */
  fail(reason: string, cap?: boolean): Error;
  /** Told once, when the endpoint turns out to ignore forward-only paging. */
  onFallback?: () => void;
}

/**
 * The next page a Link names: the `rel="next"` link's `param`, else the only link's whatever its
 * rel. Several links and none of them next: no next page (the count decides a full page).
 */
export function nextPage(link: string | null, param: string): number | undefined {
  const next = linkNumber(link, 'next', param);
  if (next !== undefined) return next;
  const links = parseLinkHeader(link);
  if (links.length !== 1) return undefined;
  const only = links[0]!;
  return linkNumber(`<${only.url}>; rel="next"`, 'next', param);
}

/** Whether a Link is navigable (page numbers) rather than forward-only: the server ignored the header. */
function navigable(link: string | null): boolean {
  return parseLinkHeader(link).some((l) => /[?&]page=/i.test(l.url) && !/[?&]pageId=/i.test(l.url));
}

type Step<T> = { done: true; rows: T[] } | { done: false; next: number };

/** Every record of the list, in the order read. */
export async function pageAll<T extends { id: number }>(src: PageSource<T>): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<number>();
  const pageIds = new Set<number>();
  let pageId: number | undefined;
  for (let n = 1; ; n++) {
    if (n > src.maxPages) throw src.fail(capReason(src), true);
    const page = await src.forwardOnly(pageId);
    takeRows(src, out, seen, page.rows, n, pageId);
    const step = await forwardStep(src, out, page, n, pageId, pageIds);
    if (step.done) return step.rows;
    pageIds.add(step.next);
    pageId = step.next;
  }
}

function takeRows<T extends { id: number }>(
  src: PageSource<T>,
  out: T[],
  seen: Set<number>,
  rows: T[],
  n: number,
  pageId: number | undefined,
): void {
  const again = rows.filter((r) => seen.has(r.id)).length;
  if (again > 0 || (pageId !== undefined && rows.some((r) => r.id <= pageId)))
    throw src.fail(
      `page ${n} (after pageId ${pageId}) repeats ${again || 'earlier'} record${again === 1 ? '' : 's'} already read: the server ignored pageId`,
    );
  for (const r of rows) {
    seen.add(r.id);
    out.push(r);
  }
}

async function forwardStep<T extends { id: number }>(
  src: PageSource<T>,
  out: T[],
  page: Page<T>,
  n: number,
  pageId: number | undefined,
  pageIds: Set<number>,
): Promise<Step<T>> {
  if (page.rows.length === 0) return { done: true, rows: out };
  const next = nextPage(page.link, 'pageId');
  if (next !== undefined) {
    if (next === pageId || pageIds.has(next) || (pageId !== undefined && next < pageId))
      throw src.fail(`the Link header of page ${n} points back to pageId ${next}, already read`);
    return { done: false, next };
  }
  if (page.link === null || navigable(page.link)) {
    // No Link at all, or a navigable one: this endpoint ignores forward-only paging.
    src.onFallback?.();
    return { done: true, rows: await pageByNumber(src) };
  }
  if (page.rows.length < src.pageSize) return { done: true, rows: out };
  await confirmByCount(src, out.length, n);
  return { done: true, rows: out };
}

/** A list ending on a full page without a next link: the count says whether that is the end. */
async function confirmByCount<T>(src: PageSource<T>, read: number, pages: number): Promise<void> {
  const total = await src.count();
  if (total !== read)
    throw src.fail(
      `page ${pages} was full (${src.pageSize}) with no link to a next page, and /count says ${total} records where ${read} were read`,
    );
}

/** Navigable paging ordered by id, to the first empty page, or short page without a next link; de-duplicated by id. */
async function pageByNumber<T extends { id: number }>(src: PageSource<T>): Promise<T[]> {
  const byId = new Map<number, T>();
  for (let n = 1; ; n++) {
    if (n > src.maxPages) throw src.fail(capReason(src), true);
    const { rows, link } = await src.byNumber(n);
    // Records shifting between pages while they are read can repeat a few; a whole page
    // of records already read is a server answering the same page again.
    if (rows.length > 0 && rows.every((r) => byId.has(r.id)))
      throw src.fail(`page ${n} repeats page ${n - 1}: the server ignored the page number`);
    for (const r of rows) byId.set(r.id, r);
    const hasNext = nextPage(link, 'page') !== undefined && nextPage(link, 'page')! > n;
    if (rows.length === 0 || (rows.length < src.pageSize && !hasNext)) return [...byId.values()];
  }
}

const capReason = (src: { maxPages: number; pageSize: number }) =>
  `stopped at the cap of ${src.maxPages} pages of ${src.pageSize}, so the list may go on`;
