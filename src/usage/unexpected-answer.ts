/**
 * An answer cwsync does not understand, or a list whose paging cannot be trusted: an error of
 * that one call, naming it and describing what came back by its structure only (status,
 * content type, size, shape; never a value), so it is safe to print and to paste in a report.
 */
import { CwsyncError } from '../errors.js';
import { describeResponse } from '../http/shape.js';
import type { HttpResponse } from '../http/transport.js';

export interface Call {
  service: string;
  /** What the call is for: "list customers of reseller 343". */
  label: string;
  method: string;
  /** Path and query, e.g. /api/v1/resellers/343/customers?page=2&per_page=25 */
  path: string;
}

const SHAPES_HINT =
  'run `cwsync doctor --shapes` and report what differs; a proxy or captive portal between this machine and Mailprotector can also answer like this';

/** What came back, by structure only. */
export function describeAnswer(res: Pick<HttpResponse, 'status' | 'headers' | 'body'>): string {
  const body = res.body === undefined ? '' : res.body;
  const bytes =
    typeof body === 'string' ? Buffer.byteLength(body) : Number(res.headers.get('content-length') ?? Number.NaN);
  return describeResponse(
    res.status,
    res.headers.get('content-type'),
    body,
    Number.isFinite(bytes) ? bytes : undefined,
  );
}

export class UnexpectedAnswerError extends CwsyncError {
  constructor(
    readonly call: Call,
    what: string,
    options: { expected?: string; hint?: string } = {},
  ) {
    super(
      `${call.service} ${call.label} (${call.method} ${call.path}) ${what}${options.expected ? `; expected ${options.expected}` : ''}`,
      { hint: options.hint ?? SHAPES_HINT },
    );
  }

  /** An answer of the wrong shape: "answered HTTP 200 text/html, 812 bytes: a body that is not JSON (record 3 has no numeric id)". */
  static shape(
    call: Call,
    res: Pick<HttpResponse, 'status' | 'headers' | 'body'>,
    why: string,
    expected: string,
  ): UnexpectedAnswerError {
    return new UnexpectedAnswerError(call, `answered ${describeAnswer(res)} (${why})`, { expected });
  }
}
