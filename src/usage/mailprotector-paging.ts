/**
 * Reads a Mailprotector list to its end, exactly, or fails naming the call. Paging always
 * ends (SPEC §3): on an empty or short page, a page past the end (404, `out_of_range`, the
 * last page again), the server's own figures, or the page cap; a loop, a cap or a server that
 * ignores paging is an error, never a truncated list.
 *
 * Two routes:
 * - the first page's `X-Pagination` names the page count: the rest are fetched at once, then
 *   checked (no page empty or repeated, the record count as announced);
 * - otherwise page by page. A page identical to the one before ends the list (the server
 *   answers the last page again past the end), except at page 2, where it could also mean the
 *   server ignores `page`: one request for `page=2&per_page=1` tells the two apart (it is the
 *   second record if paging works, the first again if not).
 */
import { createHash } from 'node:crypto';
import { HttpError } from '../http/errors.js';
import type { HttpResponse } from '../http/transport.js';
import { announcedPages, MAX_PAGES, type PageFigures, PER_PAGE, pageFiguresOf } from './mailprotector-api.js';
import { type Call, UnexpectedAnswerError } from './unexpected-answer.js';

export interface PageReader<T extends { id: number }> {
  /** The call for page `page`, for error messages. */
  call(page: number, perPage: number): Call;
  fetch(page: number, perPage: number): Promise<HttpResponse>;
  /** The checked records of one answer; throws UnexpectedAnswerError when the shape is wrong. */
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
  if (announced !== undefined) return readAnnounced(reader, pages, announced, figures!);
  return readInTurn(reader, pages, records, figures);
}

async function readAnnounced<T extends { id: number }>(
  reader: PageReader<T>,
  pages: Pages<T>,
  announced: number,
  figures: PageFigures,
): Promise<T[]> {
  const max = reader.maxPages ?? MAX_PAGES;
  if (announced > max) capHit(reader, 1, max, `X-Pagination announces ${announced} pages`);
  if (announced < 1) fail(reader, 1, 'has an X-Pagination page count of 0 but records on page 1');
  const rest = await Promise.all(
    Array.from({ length: announced - 1 }, async (_, i) => {
      const page = i + 2;
      return { page, recs: reader.parse(await reader.fetch(page, PER_PAGE), page, PER_PAGE) };
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
  return pages.records;
}

async function readInTurn<T extends { id: number }>(
  reader: PageReader<T>,
  pages: Pages<T>,
  first: T[],
  figures: PageFigures | undefined,
): Promise<T[]> {
  const max = reader.maxPages ?? MAX_PAGES;
  // A server that ignores per_page may serve bigger pages: a page is short against the biggest size seen.
  const size = Math.max(PER_PAGE, first.length);
  if (first.length < PER_PAGE || figures?.last) return pages.records;
  for (let page = 2; ; page++) {
    if (page > max) capHit(reader, page, max, 'every page was full');
    let res: HttpResponse;
    try {
      res = await reader.fetch(page, PER_PAGE);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return pages.records; // past the end
      throw err;
    }
    const recs = reader.parse(res, page, PER_PAGE);
    const figs = pageFiguresOf(res.headers);
    if (recs.length === 0 || figs?.outOfRange) return pages.records;
    const earlier = pages.add(page, recs);
    if (earlier === page - 1) {
      if (page === 2) await probePaging(reader, first);
      return pages.records; // the last page again, past the end
    }
    if (earlier !== undefined)
      fail(reader, page, `repeats page ${earlier}: the server's paging goes round in a circle`);
    if (recs.length < size || figs?.last) return pages.records;
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
  throw new UnexpectedAnswerError(reader.call(page, PER_PAGE), `page ${page} ${what}`);
}

function capHit(reader: PageReader<{ id: number }>, page: number, max: number, why: string): never {
  throw new UnexpectedAnswerError(
    reader.call(page, PER_PAGE),
    `stopped at the page cap: ${why}, and cwsync reads at most ${max} pages (${max * PER_PAGE} records) of one list rather than loop or truncate it`,
    {
      hint: 'if the list is really that long, report it; otherwise the server ignores paging: run `cwsync doctor --shapes`',
    },
  );
}
