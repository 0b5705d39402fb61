/**
 * `cwsync doctor --shapes` for ConnectWise: one real answer from each endpoint cwsync reads,
 * asked exactly as the adapter asks (same fields, forward-only paging, one record a page),
 * described by its shape and held against the adapter's assumptions (shapes.ts). An MSP can
 * run it against its tenant in a minute and paste the result: it holds no values.
 */
import { linkNumber, parseLinkHeader } from '../http/link.js';
import { fieldFindings, type RecordSpec, type ShapeRow, shapeRow } from '../http/shape.js';
import type { HttpResponse } from '../http/transport.js';
import { type ConnectWiseClient, LIST_FIELDS } from './client.js';
import { queryString } from './conditions.js';
import { nextPage } from './paging.js';
import { ADDITION, AGREEMENT, CATALOG_ITEM, COMPANY, COMPANY_INFO, COUNT, SYSTEM_INFO } from './shapes.js';

const FORWARD_ONLY = { 'pagination-type': 'forward-only' };

/** Paging headers by name and relation, never their values. */
function pagingHeaders(res: HttpResponse): string[] {
  const out: string[] = [];
  const link = res.headers.get('link');
  if (link !== null) {
    const rels = parseLinkHeader(link).flatMap((l) => l.rels);
    out.push(link.trim() === '' ? 'link (empty)' : `link (rel ${rels.join(', ') || 'none'})`);
  }
  for (const name of ['pagination-type', 'x-total-count', 'x-total-pages'])
    if (res.headers.get(name) !== null) out.push(name);
  return out;
}

function failed(endpoint: string, err: unknown): ShapeRow {
  const message = err instanceof Error ? err.message : String(err);
  return { endpoint, shape: 'no answer read', headers: [], confirms: [], differs: [`could not be read: ${message}`] };
}

/** A list endpoint: a JSON list, the fields of its first record, and how it pages. */
function listRow(endpoint: string, res: HttpResponse, spec: RecordSpec): ShapeRow {
  const row = shapeRow(endpoint, res, pagingHeaders(res));
  if (res.format !== 'json' || !Array.isArray(res.body)) {
    row.differs.push(`expected a JSON list of ${spec.plural}`);
    return row;
  }
  row.confirms.push(`a JSON list of ${spec.plural}`);
  if (res.body.length === 0) row.shape += ' (nothing to check the fields against)';
  else {
    const { confirms, differs } = fieldFindings(res.body[0], spec);
    row.confirms.push(...confirms);
    row.differs.push(...differs);
  }
  const link = res.headers.get('link');
  const rels = parseLinkHeader(link).flatMap((l) => l.rels);
  if (link === null)
    row.differs.push('no Link header: forward-only paging is not honoured here (cwsync then pages by number)');
  else if (nextPage(link, 'pageId') !== undefined)
    // Which rel a forward-only Link carries is unproven (vendor evidence #8): the row records it.
    row.confirms.push(
      `forward-only paging: the Link header names the next pageId (rel ${linkNumber(link, 'next', 'pageId') !== undefined ? 'next' : rels.join(', ') || 'none'})`,
    );
  else if (rels.includes('next'))
    row.differs.push(
      'the Link header pages by number: forward-only paging is not honoured (cwsync then pages by number)',
    );
  else row.confirms.push('forward-only paging: a Link header without a next page ends the list');
  return row;
}

function recordRow(endpoint: string, res: HttpResponse, spec: RecordSpec): ShapeRow {
  const row = shapeRow(endpoint, res, pagingHeaders(res));
  if (res.format !== 'json' || res.body === null || typeof res.body !== 'object' || Array.isArray(res.body)) {
    row.differs.push(`expected a JSON object (${spec.noun})`);
    return row;
  }
  row.confirms.push(`a JSON object (${spec.noun})`);
  const { confirms, differs } = fieldFindings(res.body, spec);
  row.confirms.push(...confirms);
  row.differs.push(...differs);
  return row;
}

async function read(
  endpoint: string,
  call: () => Promise<HttpResponse>,
  row: (res: HttpResponse) => ShapeRow,
): Promise<{ row: ShapeRow; res?: HttpResponse }> {
  try {
    const res = await call();
    return { row: row(res), res };
  } catch (err) {
    return { row: failed(endpoint, err) };
  }
}

const FIELDS = Object.fromEntries(Object.entries(LIST_FIELDS).map(([k, v]) => [k, v.join(',')])) as Record<
  keyof typeof LIST_FIELDS,
  string
>;

export async function describeConnectWiseShapes(client: ConnectWiseClient): Promise<ShapeRow[]> {
  const rows: ShapeRow[] = [];
  if (client.usesSite) {
    const endpoint = 'GET /login/companyinfo/{company}';
    rows.push(
      (
        await read(
          endpoint,
          () => client.companyInfo(),
          (res) => recordRow(endpoint, res, COMPANY_INFO),
        )
      ).row,
    );
  }
  const list = (path: string, fields: string) =>
    client.call('GET', `${path}${queryString({ fields, pageSize: 1 })}`, { headers: FORWARD_ONLY });
  const count = (path: string) => client.call('GET', `${path}/count`);
  const plain = async (endpoint: string, call: () => Promise<HttpResponse>, spec: RecordSpec) =>
    rows.push((await read(endpoint, call, (res) => recordRow(endpoint, res, spec))).row);
  const paged = async (endpoint: string, call: () => Promise<HttpResponse>, spec: RecordSpec) => {
    const { row, res } = await read(endpoint, call, (r) => listRow(endpoint, r, spec));
    rows.push(row);
    return res;
  };

  await plain('GET /system/info', () => client.call('GET', '/system/info'), SYSTEM_INFO);
  await paged('GET /company/companies', () => list('/company/companies', FIELDS.companies), COMPANY);
  await plain('GET /company/companies/count', () => count('/company/companies'), COUNT);
  const agreements = await paged(
    'GET /finance/agreements',
    () => list('/finance/agreements', FIELDS.agreements),
    AGREEMENT,
  );
  await plain('GET /finance/agreements/count', () => count('/finance/agreements'), COUNT);
  await paged('GET /procurement/catalog', () => list('/procurement/catalog', FIELDS.catalog), CATALOG_ITEM);
  await plain('GET /procurement/catalog/count', () => count('/procurement/catalog'), COUNT);
  const first = Array.isArray(agreements?.body) ? (agreements.body[0] as { id?: unknown } | undefined) : undefined;
  const additions = 'GET /finance/agreements/{id}/additions';
  if (typeof first?.id === 'number' && Number.isInteger(first.id)) {
    const id = first.id;
    await paged(additions, () => list(`/finance/agreements/${id}/additions`, FIELDS.additions), ADDITION);
  } else
    rows.push({
      endpoint: additions,
      shape: 'not read',
      headers: [],
      confirms: [],
      differs: ['not checked: no agreement could be read to ask for its additions'],
    });
  return rows;
}
