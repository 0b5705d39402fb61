/** The Mailprotector pager over in-memory answers: every way a list can end, loop or lie. */
import { describe, expect, it } from 'vitest';
import { PagingError } from '../../src/errors.js';
import { HttpError } from '../../src/http/errors.js';
import type { HttpResponse } from '../../src/http/transport.js';
import { announcedPages, PER_PAGE, pageFiguresOf } from '../../src/usage/mailprotector-api.js';
import { type PageReader, readAllPages } from '../../src/usage/mailprotector-paging.js';

type Rec = { id: number };
const recs = (from: number, n: number): Rec[] => Array.from({ length: n }, (_, i) => ({ id: from + i }));

/** A reader whose server is `serve(page, perPage)`; counts the requests. */
function reader(serve: (page: number, perPage: number) => { body: Rec[]; headers?: Record<string, string> } | 404) {
  const asked: string[] = [];
  const r: PageReader<Rec> & { asked: string[] } = {
    asked,
    call: (page, perPage) => ({
      service: 'Test',
      label: 'list things',
      method: 'GET',
      path: `/things?page=${page}&per_page=${perPage}`,
    }),
    async fetch(page, perPage): Promise<HttpResponse> {
      asked.push(`${page}/${perPage}`);
      const a = serve(page, perPage);
      if (a === 404)
        throw new HttpError({ service: 'Test', method: 'GET', path: '/things', status: 404, apiMessage: 'Not Found' });
      // Built apart from the return, so fields a newer HttpResponse adds (bytes, format) may be carried.
      const res = { status: 200, headers: new Headers(a.headers), body: a.body, bytes: 0, format: 'json' as const };
      return res;
    },
    parse: (res) => res.body as Rec[],
  };
  return r;
}

/** A well-behaved list of `total` records with `pastEnd` answering pages beyond the last. */
function list(total: number, pastEnd: (last: number, page: number, perPage: number) => Rec[] | 404 = () => []) {
  return (page: number, perPage: number) => {
    const last = Math.max(1, Math.ceil(total / perPage));
    if (page > last) {
      const a = pastEnd(last, page, perPage);
      return a === 404 ? 404 : { body: a };
    }
    return { body: recs(1 + (page - 1) * perPage, Math.min(perPage, total - (page - 1) * perPage)) };
  };
}

const ids = (n: number) => recs(1, n).map((r) => r.id);

describe('readAllPages without page figures', () => {
  it.each([
    [0, 1],
    [1, 2],
    [24, 2],
    [25, 2],
    [26, 3],
    [50, 3],
    [51, 4],
  ])(
    'reads %i records exactly in %i requests (a short page is confirmed by an empty page past the end)',
    async (total, requests) => {
      const r = reader(list(total));
      expect((await readAllPages(r)).map((x) => x.id)).toEqual(ids(total));
      expect(r.asked).toHaveLength(requests);
      expect(r.asked.every((a) => a.endsWith(`/${PER_PAGE}`))).toBe(true);
    },
  );

  it('ends exactly when the server answers the last page again past the end', async () => {
    const r = reader(list(75, (last, _p, per) => recs(1 + (last - 1) * per, per)));
    expect((await readAllPages(r)).map((x) => x.id)).toEqual(ids(75));
    expect(r.asked).toEqual(['1/25', '2/25', '3/25', '4/25']);
  });

  it('tells "exactly one full page, then the last page again" from "paging ignored" with one probe', async () => {
    const repeats = reader(list(25, (last, _p, per) => recs(1 + (last - 1) * per, per)));
    expect((await readAllPages(repeats)).map((x) => x.id)).toEqual(ids(25));
    expect(repeats.asked).toEqual(['1/25', '2/25', '2/1']);

    const ignoresPage = reader((_page, perPage) => ({ body: recs(1, perPage) }));
    const err = await readAllPages(ignoresPage).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagingError);
    expect((err as Error).message).toBe(
      "Test list things (GET /things?page=2&per_page=25) did not page to an end: page 2 repeats page 1, and page=2&per_page=1 did not answer page 1's second record: the server ignores paging, so cwsync cannot tell whether page 1 (25 records) is the whole list",
    );
  });

  it('ends on a 404 after a short page, but a 404 on page 1 is the error it is', async () => {
    expect((await readAllPages(reader(list(60, () => 404)))).map((x) => x.id)).toEqual(ids(60));
    await expect(readAllPages(reader(() => 404))).rejects.toBeInstanceOf(HttpError);
  });

  it('calls a 404 right after a full page an error, not an end (it may hide the rest of the list)', async () => {
    const atTheEnd = reader(list(50, () => 404));
    await expect(readAllPages(atTheEnd)).rejects.toThrow(
      'Test list things (GET /things?page=3&per_page=25) did not page to an end: page 3 answered 404 right after a full page 2 (25 records): a 404 there may hide the rest of the list, so it is not taken as its end',
    );
    // A server failing page 2 of 30 records: 25 would be billed for 30.
    const failing = reader((page) => (page === 1 ? { body: recs(1, 25) } : 404));
    await expect(readAllPages(failing)).rejects.toThrow('page 2 answered 404 right after a full page 1 (25 records)');
  });

  it('reads a server that ignores per_page and serves 10 a page with no figures to its end', async () => {
    const r = reader((page) => ({ body: page <= 3 ? recs(1 + (page - 1) * 10, 10) : [] }));
    expect((await readAllPages(r)).map((x) => x.id)).toEqual(ids(30));
    expect(r.asked).toEqual(['1/25', '2/25', '3/25', '4/25']);
    // ...and a 404 past its end, right after a page full at its size, is an error too.
    const notFound = reader((page) => (page <= 3 ? { body: recs(1 + (page - 1) * 10, 10) } : 404));
    await expect(readAllPages(notFound)).rejects.toThrow('page 4 answered 404 right after a full page 3 (10 records)');
  });

  it('takes no short page as the end without one more request', async () => {
    const r = reader((page) => ({ body: page === 1 ? recs(1, 7) : page === 2 ? recs(8, 3) : [] }));
    expect((await readAllPages(r)).map((x) => x.id)).toEqual(ids(10));
    expect(r.asked).toEqual(['1/25', '2/25', '3/25']);
  });

  it('calls a page that repeats an earlier one a loop', async () => {
    const r = reader(list(50, () => recs(1, 25)));
    await expect(readAllPages(r)).rejects.toThrow("page 3 repeats page 1: the server's paging goes round in a circle");
  });

  it('judges a short page against the largest page seen, for a server that ignores per_page', async () => {
    const r = reader((page) => ({ body: page <= 2 ? recs(1 + (page - 1) * 40, 40) : page === 3 ? recs(81, 30) : [] }));
    expect((await readAllPages(r)).map((x) => x.id)).toEqual(ids(110));
    expect(r.asked).toHaveLength(4);
  });

  it('fails at the page cap instead of truncating an endless list', async () => {
    const r = reader((page) => ({ body: recs(page * 1000, 25) }));
    const err = await readAllPages({ ...r, maxPages: 5 }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(
      'stopped at the page cap: every page was full, and cwsync reads at most 5 pages (125 records) of one list rather than loop or truncate it',
    );
    expect(r.asked).toHaveLength(5);
  });

  it('keeps a record met on two pages once (the list shifted while read)', async () => {
    const r = reader((page) => ({ body: page === 1 ? recs(1, 25) : page === 2 ? recs(25, 10) : [] }));
    expect((await readAllPages(r)).map((x) => x.id)).toEqual(ids(34));
  });

  it('ends on X-Pagination flags: last_page true, next_page null, out_of_range', async () => {
    const flagged = (flags: object) =>
      reader((page) => ({
        body: page === 1 ? recs(1, 25) : recs(26, 25),
        headers: { 'x-pagination': JSON.stringify(page === 1 ? {} : flags) },
      }));
    const lastPage = flagged({ last_page: true });
    expect(await readAllPages(lastPage)).toHaveLength(50);
    expect(lastPage.asked).toHaveLength(2);
    const nextNull = flagged({ next_page: null });
    expect(await readAllPages(nextNull)).toHaveLength(50);
    const outOfRange = flagged({ out_of_range: true });
    expect(await readAllPages(outOfRange)).toHaveLength(25);
  });
});

describe('readAllPages with page figures', () => {
  const figures = (total: number, perPage = 25) => ({
    'x-pagination': JSON.stringify({ total, total_pages: Math.ceil(total / perPage), per_page: perPage }),
  });

  it('reads the announced pages, no request past the end', async () => {
    const base = list(60);
    const r = reader((p, per) => {
      const a = base(p, per);
      return a === 404 ? a : { ...a, headers: figures(60) };
    });
    expect((await readAllPages(r)).map((x) => x.id)).toEqual(ids(60));
    expect(r.asked).toEqual(['1/25', '2/25', '3/25']);
  });

  it('refuses pages that repeat (paging ignored) and counts that do not add up', async () => {
    const ignored = reader(() => ({ body: recs(1, 25), headers: figures(60) }));
    await expect(readAllPages(ignored)).rejects.toThrow(
      'page 2 repeats page 1: the server seems to ignore `page`, so the list cannot be read whole',
    );
    const short = reader((p) => ({ body: p < 3 ? recs(1 + (p - 1) * 25, 25) : recs(51, 5), headers: figures(60) }));
    await expect(readAllPages(short)).rejects.toThrow(
      'has an X-Pagination total of 60 records, but its 3 pages held 55: the list changed while it was read, or its paging is not understood',
    );
  });

  it('calls a 404 on an announced page an error naming it, not an end', async () => {
    const figures = { 'x-pagination': JSON.stringify({ total: 60, per_page: 25, total_pages: 3 }) };
    const r = reader((page) => (page >= 2 ? 404 : { body: recs(1, 25), headers: figures }));
    await expect(readAllPages(r)).rejects.toThrow(
      'page 2 answered 404, though X-Pagination announced 3 pages: a 404 there hides records of the list, so it is not taken as its end',
    );
  });

  it('confirms a full last page with one more request, so an understated total cannot hide records', async () => {
    const exact = reader((p) => ({ body: p <= 2 ? recs(1 + (p - 1) * 25, 25) : [], headers: figures(50) }));
    expect((await readAllPages(exact)).map((x) => x.id)).toEqual(ids(50));
    expect(exact.asked).toEqual(['1/25', '2/25', '3/25']);
    // 30 records, announced as 25 on one page.
    const understated = reader((p) => ({
      body: p === 1 ? recs(1, 25) : p === 2 ? recs(26, 5) : [],
      headers: figures(25),
    }));
    await expect(readAllPages(understated)).rejects.toThrow(
      'Test list things (GET /things?page=2&per_page=25) did not page to an end: page 2 holds records past the end that X-Pagination announced (a total of 25 records): its figures understate the list, so the list cannot be trusted',
    );
  });

  it('cross-checks a total it cannot page by with what the list held', async () => {
    const r = reader((p) => ({ body: p === 1 ? recs(1, 24) : [], headers: { 'x-pagination': '{"total": 20}' } }));
    await expect(readAllPages(r)).rejects.toThrow(
      'page 1 has an X-Pagination total of 20 records, but the list held 24: the list changed while it was read, or its paging is not understood',
    );
  });

  it('refuses more announced pages than the cap before reading them', async () => {
    const r = reader(() => ({ body: recs(1, 25), headers: figures(10_000_000) }));
    await expect(readAllPages(r)).rejects.toThrow('X-Pagination announces 400000 pages');
    expect(r.asked).toHaveLength(1);
  });

  it('reads X-Pagination under several key spellings, and ignores what it cannot read', () => {
    const h = (v: string) => new Headers({ 'x-pagination': v });
    expect(announcedPages(pageFiguresOf(h('{"total_pages": 4}')), 25)).toBe(4);
    expect(announcedPages(pageFiguresOf(h('{"TotalCount": "60", "PageSize": 25}')), 25)).toBe(3);
    expect(announcedPages(pageFiguresOf(h('{"total": 60}')), 25)).toBe(3);
    expect(announcedPages(pageFiguresOf(h('{"total": 20}')), 20)).toBeUndefined();
    expect(announcedPages(pageFiguresOf(h('{"last_page": 7}')), 25)).toBe(7);
    expect(pageFiguresOf(h('{"last_page": true}'))?.last).toBe(true);
    expect(pageFiguresOf(h('not json'))).toBeUndefined();
    expect(pageFiguresOf(h('[1,2]'))).toBeUndefined();
    expect(pageFiguresOf(new Headers())).toBeUndefined();
  });
});
