/**
 * How the fake ConnectWise filters and pages a list: `conditions` (child collections only
 * through `childConditions`, as the API wants them), page sizes, and navigable pages.
 */
import { ConditionError, evaluate, evaluateChildren, getPath, parseConditions } from './conditions.js';
import { json, type ParsedRequest, type Reply } from './harness.js';

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 1000;

type Rec = Record<string, unknown>;

const conditionError = (err: ConditionError) =>
  json(400, {
    code: err.code === 'ApiFindCondition' ? 'ApiFindCondition' : 'InvalidObject',
    message: err.message,
    errors: null,
  });

/** The records a list's `conditions` and `childConditions` keep; a bad condition is the 400 ConnectWise sends. */
export function filtered(
  req: ParsedRequest,
  records: Rec[],
  known: Set<string>,
  children?: Set<string>,
): Rec[] | Reply {
  let rows = records;
  try {
    const conditions = req.query.get('conditions');
    if (conditions) {
      const tree = parseConditions(conditions, known);
      rows = rows.filter((r) => evaluate(tree, r));
    }
    const childConditions = req.query.get('childConditions');
    if (childConditions) {
      const tree = parseConditions(childConditions, children ?? new Set());
      rows = rows.filter((r) => evaluateChildren(tree, r, 'types'));
    }
  } catch (err) {
    if (err instanceof ConditionError) return conditionError(err);
    throw err;
  }
  return rows;
}

/** pageSize as asked, or undefined when ConnectWise would refuse it. */
export function pageSizeOf(req: ParsedRequest): number | undefined {
  const raw = req.query.get('pageSize');
  const pageSize = raw === null ? DEFAULT_PAGE_SIZE : Number(raw);
  return Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE_SIZE ? pageSize : undefined;
}

export const pageSizeRefused = () =>
  json(400, {
    code: 'InvalidObject',
    message: 'pageSize object is invalid',
    errors: [
      {
        code: 'OutOfRange',
        message: `The field pageSize must be between 1 and ${MAX_PAGE_SIZE}.`,
        resource: 'pageSize',
        field: 'pageSize',
      },
    ],
  });

/** A link to this list with some query parameters changed, as `<url>`. */
export function linkTo(origin: string, req: ParsedRequest, over: Record<string, string>): string {
  const p = new URLSearchParams(req.query);
  for (const [k, v] of Object.entries(over)) p.set(k, v);
  return `<${origin}${req.path}?${p.toString()}>`;
}

/** One navigable page (page, pageSize, orderBy) with first/prev/next/last links. */
export function numberedPage(
  origin: string,
  req: ParsedRequest,
  records: Rec[],
  pageSize: number,
  fault: string | undefined,
) {
  let rows = records;
  const orderBy = req.query.get('orderBy');
  if (orderBy) {
    const [field, dir] = orderBy.trim().split(/\s+/);
    const sign = dir?.toLowerCase() === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => {
      const x = getPath(a, field!) as string | number;
      const y = getPath(b, field!) as string | number;
      return x < y ? -sign : x > y ? sign : 0;
    });
  }
  const asked = Math.max(1, Number(req.query.get('page') ?? 1));
  const pageNo = fault === 'ignore-paging' ? 1 : asked;
  const last = Math.max(1, Math.ceil(rows.length / pageSize));
  const page = rows.slice((pageNo - 1) * pageSize, pageNo * pageSize);
  const links = [`${linkTo(origin, req, { page: '1' })}; rel="first"`];
  if (pageNo > 1) links.push(`${linkTo(origin, req, { page: String(pageNo - 1) })}; rel="prev"`);
  if (pageNo < last || (fault === 'ignore-paging' && last > 1))
    links.push(`${linkTo(origin, req, { page: String(asked + 1) })}; rel="next"`);
  links.push(`${linkTo(origin, req, { page: String(last) })}; rel="last"`);
  return { page, link: links.join(', ') };
}
