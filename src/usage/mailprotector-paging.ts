/**
 * Reads a Mailprotector list to its end, exactly, or fails naming the call. Paging always
 * ends, and proves its end (SPEC §3): a list ends only on an answer that says "nothing more"
 * (an empty page, a page past the end: `out_of_range`, the last page again, or a 404 after a
 * short page) or on X-Pagination figures that the pages read bear out. A loop, the page cap,
 * a 404 right after a full page, or figures that do not add up are errors, never a truncated
 * list.
 *
 * Two routes:
 * - the first page's `X-Pagination` names the page count: the rest are fetched at once, then
 *   checked (no page empty or repeated, the record count as announced); when the last page is
 *   full, one more request must find nothing, so an understated total cannot hide records;
 * - otherwise page by page, always to an answer that says "nothing more": a short page alone
 *   proves nothing (a server may serve fewer than `per_page`, say 10, and no header), so one
 *   more request confirms it. A page identical to the one before ends the list (the server
 *   answers the last page again past the end), except at page 2, where it could also mean the
 *   server ignores `page`: one request for `page=2&per_page=1` tells the two apart (it is the
 *   second record if paging works, the first again if not).
 */
import { createHash } from 'node:crypto';
import { type CallRef, PagingError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import type { HttpResponse } from '../http/transport.js';
import { announcedPages, MAX_PAGES, type PageFigures, PER_PAGE, pageFiguresOf } from './mailprotector-api.js';

export interface PageReader<T extends { id: number }> {
  /** The call for page `page`, for error messages. */
  call(page: number, perPage: number): CallRef;
  fetch(page: number, perPage: number): Promise<HttpResponse>;
  /** The checked records of one answer; throws NotUnderstood when the shape is wrong. */
  parse(res: HttpResponse, page: number, perPage: number): T[];
  maxPages?: number;
}

class Pages<T extends { id: number }> {
  readonly records: T[] = [];
  private readonly ids = new Set<number>();
  private readonly hashes = new Map<string, number>();

  /** Adds a page; returns the earlier page it repeats, if any. */
  add(page: number, recs: T[]): number | undefined {
    const hash = createHash('sha256').update(JSON.stringify(recs)).digest('base64');
    const earlier = this.hashes.get(hash);
    if (earlier !== undefined) return earlier;
    this.hashes.set(hash, page);
    // A record met twice (the list shifted while it was read) is kept once, so no user counts twice.
    for (const r of recs) {
      if (this.ids.has(r.id)) continue;
      this.ids.add(r.id);
      this.records.push(r);
    }
    return undefined;
  }
}

export async function readAllPages<T extends { id: number }>(reader: PageReader<T>): Promise<T[]> {
  const first = await reader.fetch(1, PER_PAGE);
  const records = reader.parse(first, 1, PER_PAGE);
  const figures = pageFiguresOf(first.headers);
  const pages = new Pages<T>();
  pages.add(1, records);
  if (records.length === 0) {
    if (figures?.total) fail(reader, 1, `has an X-Pagination total of ${figures.total} records but an empty page 1`);
    return [];
  }
  const announced = announcedPages(figures, records.length);
  if (announced !== undefined) return readAnnounced(reader, pages, records, announced, figures!);
  return readInTurn(reader, pages, records, figures);
}

async function readAnnounced<T extends { id: number }>(
  reader: PageReader<T>,
  pages: Pages<T>,
  first: T[],
  announced: number,
  figures: PageFigures,
): Promise<T[]> {
  const max = reader.maxPages ?? MAX_PAGES;
  if (announced > max) capHit(reader, 1, max, `X-Pagination announces ${announced} pages`);
  if (announced < 1) fail(reader, 1, 'has an X-Pagination page count of 0 but records on page 1');
  const rest = await Promise.all(
    Array.from({ length: announced - 1 }, async (_, i) => {
      const page = i + 2;
      const got = await fetchPage(reader, page);
      // A 404 on a page the figures announced hides records: never a shorter list.
      if (got === 'not-found')
        fail(
          reader,
          page,
          `answered 404, though X-Pagination announced ${announced} pages: a 404 there hides records of the list, so it is not taken as its end`,
        );
      return { page, recs: got.recs };
    }),
  );
  for (const { page, recs } of rest) {
    if (recs.length === 0) fail(reader, page, `is empty, though X-Pagination announced ${announced} pages`);
    const earlier = pages.add(page, recs);
    if (earlier !== undefined)
      fail(
        reader,
        page,
        `repeats page ${earlier}: the server seems to ignore \`page\`, so the list cannot be read whole`,
      );
  }
  if (figures.total !== undefined && pages.records.length !== figures.total)
    fail(
      reader,
      1,
      `has an X-Pagination total of ${figures.total} records, but its ${announced} pages held ${pages.records.length}: the list changed while it was read, or its paging is not understood`,
    );
  const last = rest.at(-1)?.recs ?? first;
  const size = figures.perPage ?? (announced > 1 ? first.length : PER_PAGE);
  if (last.length >= size) await confirmAnnouncedEnd(reader, announced + 1, last, figures);
  return pages.records;
}

/**
 * The last announced page was full: the page after it must hold nothing new, or the figures
 * understate the list (a total of 25 over 30 records would otherwise read 25, silently).
 */
async function confirmAnnouncedEnd<T extends { id: number }>(
  reader: PageReader<T>,
  page: number,
  last: T[],
  figures: PageFigures,
): Promise<void> {
  const next = await fetchPage(reader, page);
  // A 404 here agrees with the figures the pages bore out: two witnesses of the end.
  if (next === 'not-found' || next.recs.length === 0 || next.figures?.outOfRange) return;
  if (sameRecords(next.recs, last)) return; // the last page again, past the end
  fail(
    reader,
    page,
    `holds records past the end that X-Pagination announced (${figures.total !== undefined ? `a total of ${figures.total} records` : `${page - 1} pages`}): its figures understate the list, so the list cannot be trusted`,
  );
}

const sameRecords = (a: { id: number }[], b: { id: number }[]) =>
  a.length === b.length && a.every((r, i) => r.id === b[i]!.id);

/** One page, or 'not-found' when the server answered 404. */
async function fetchPage<T extends { id: number }>(
  reader: PageReader<T>,
  page: number,
): Promise<{ recs: T[]; figures: PageFigures | undefined } | 'not-found'> {
  let res: HttpResponse;
  try {
    res = await reader.fetch(page, PER_PAGE);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return 'not-found';
    throw err;
  }
  return { recs: reader.parse(res, page, PER_PAGE), figures: pageFiguresOf(res.headers) };
}

async function readInTurn<T extends { id: number }>(
  reader: PageReader<T>,
  pages: Pages<T>,
  first: T[],
  figures: PageFigures | undefined,
): Promise<T[]> {
  const max = reader.maxPages ?? MAX_PAGES;
  const walk = new Walk(reader, pages, first);
  for (let page = 2; !figures?.last; page++) {
    if (page > max) capHit(reader, page, max, 'every page was full');
    if ((await walk.step(page)) === 'end') break;
  }
  if (figures?.total !== undefined && pages.records.length !== figures.total)
    fail(
      reader,
      1,
      `has an X-Pagination total of ${figures.total} records, but the list held ${pages.records.length}: the list changed while it was read, or its paging is not understood`,
    );
  return pages.records;
}

/** A list read page by page, each page judged against the one before it. */
class Walk<T extends { id: number }> {
  /**
   * A page is full at the server's page size: at least what was asked, more for a server that
   * serves bigger pages, and page 1's size once a short page 1 turns out to be followed by more.
   */
  private size: number;
  private previous: T[];

  constructor(
    private readonly reader: PageReader<T>,
    private readonly pages: Pages<T>,
    private readonly first: T[],
  ) {
    this.size = Math.max(PER_PAGE, first.length);
    this.previous = first;
  }

  async step(page: number): Promise<'end' | 'more'> {
    const full = this.previous.length >= this.size;
    const next = await fetchPage(this.reader, page);
    if (next === 'not-found') return this.notFound(page, full);
    if (next.recs.length === 0 || next.figures?.outOfRange) return 'end';
    const earlier = this.pages.add(page, next.recs);
    if (earlier !== undefined) return this.repeated(page, earlier);
    if (page === 2 && !full) this.size = this.first.length; // the server serves fewer than asked
    this.size = Math.max(this.size, next.recs.length);
    this.previous = next.recs;
    return next.figures?.last ? 'end' : 'more';
  }

  /** A short page, then 404: the end, confirmed. A full page, then 404: the 404 may hide the rest. */
  private notFound(page: number, full: boolean): 'end' {
    if (full)
      fail(
        this.reader,
        page,
        `answered 404 right after a full page ${page - 1} (${this.previous.length} records): a 404 there may hide the rest of the list, so it is not taken as its end`,
      );
    return 'end';
  }

  /** The page before again is the last page answered past the end; an older page is a loop. */
  private async repeated(page: number, earlier: number): Promise<'end'> {
    if (earlier !== page - 1)
      fail(this.reader, page, `repeats page ${earlier}: the server's paging goes round in a circle`);
    if (page === 2 && this.first.length > 1) await probePaging(this.reader, this.first);
    return 'end';
  }
}

/** Page 2 repeated page 1: paging works if `page=2&per_page=1` is page 1's second record. */
async function probePaging<T extends { id: number }>(reader: PageReader<T>, first: T[]): Promise<void> {
  const probe = reader.parse(await reader.fetch(2, 1), 2, 1);
  if (probe.length === 1 && first.length > 1 && probe[0]!.id === first[1]!.id) return;
  fail(
    reader,
    2,
    `repeats page 1, and page=2&per_page=1 did not answer page 1's second record: the server ignores paging, so cwsync cannot tell whether page 1 (${first.length} records) is the whole list`,
  );
}

function fail(reader: PageReader<{ id: number }>, page: number, what: string): never {
  throw new PagingError(reader.call(page, PER_PAGE), `page ${page} ${what}`);
}

function capHit(reader: PageReader<{ id: number }>, page: number, max: number, why: string): never {
  throw new PagingError(
    reader.call(page, PER_PAGE),
    `stopped at the page cap: ${why}, and cwsync reads at most ${max} pages (${max * PER_PAGE} records) of one list rather than loop or truncate it`,
    {
      hint: 'if the list is really that long, report it; otherwise the server ignores paging: run `cwsync doctor --shapes`',
    },
  );
}
