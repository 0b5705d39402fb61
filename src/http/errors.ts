/** Typed HTTP failures: which call failed, what the API said, and what to check. */
import { CwsyncError } from '../errors.js';

export interface ApiErrorDetail {
  code?: string;
  message?: string;
  field?: string;
  resource?: string;
}

export interface HttpErrorInit {
  service: string;
  method: string;
  path: string;
  label?: string;
  status: number;
  code?: string;
  apiMessage?: string;
  errors?: ApiErrorDetail[];
  hint?: string;
  /** Said after the API's own words, e.g. why a 429 was not waited for. */
  note?: string;
}

/** How a call is named in messages: `list agreements (GET /finance/agreements)`. */
function callName(method: string, path: string, label?: string): string {
  return label ? `${label} (${method} ${path})` : `${method} ${path}`;
}

/** The API answered with a non-success status. */
export class HttpError extends CwsyncError {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: string | undefined;
  readonly apiMessage: string | undefined;
  readonly errors: ApiErrorDetail[];

  constructor(init: HttpErrorInit) {
    const what = callName(init.method, init.path, init.label);
    const said = [init.code, init.apiMessage].filter(Boolean).join(': ');
    const details = (init.errors ?? []).map((e) => e.message ?? e.code).filter(Boolean);
    super(
      `${init.service} ${what} failed with HTTP ${init.status}${said ? ` ${said}` : ''}${details.length ? ` (${details.join('; ')})` : ''}${init.note ? `; ${init.note}` : ''}`,
      { hint: init.hint },
    );
    this.service = init.service;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.code = init.code;
    this.apiMessage = init.apiMessage;
    this.errors = init.errors ?? [];
  }
}

/** No answer: connection refused or reset, DNS, or a timeout. The outcome of a write is unknown. */
export class NetworkError extends CwsyncError {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly path: string,
    reason: string,
    options: { hint?: string; cause?: unknown; label?: string } = {},
  ) {
    super(`${service} ${callName(method, path, options.label)} got no answer: ${reason}`, {
      hint: options.hint,
      cause: options.cause,
    });
  }
}

/**
 * The call was refused on this machine before anything was sent: a bad URL, a header value
 * that may not be sent, a body that cannot be serialized, an answer too large to read.
 * Deterministic, so never retried; nothing reached the server (except for a too-large answer).
 */
export class LocalRequestError extends CwsyncError {
  /** The status of an answer that came but was not read (too large); undefined when nothing was sent. */
  readonly answeredStatus: number | undefined;

  constructor(
    readonly service: string,
    readonly method: string,
    readonly path: string,
    reason: string,
    options: { hint?: string; label?: string; answeredStatus?: number } = {},
  ) {
    const what = callName(method, path, options.label);
    super(
      options.answeredStatus === undefined
        ? `${service} ${what} was not sent: ${reason}`
        : `${service} ${what}: ${reason}`,
      { hint: options.hint },
    );
    this.answeredStatus = options.answeredStatus;
  }
}

/**
 * A success status whose body is not what the call needs: an HTML page from a proxy, an object
 * where a list belongs, an empty or cut-off body, a record without a field we use. Never read
 * as "empty". The message says what came back (status, content type, shape), never its content.
 */
export class ShapeError extends CwsyncError {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly path: string,
    readonly status: number,
    problem: string,
    answer: string,
    options: { hint?: string; label?: string } = {},
  ) {
    super(
      `${service} ${callName(method, path, options.label)} answered with something cwsync does not understand: ${problem}; got ${answer}`,
      {
        hint:
          options.hint ??
          `a proxy or gateway may have answered instead of ${service}, or the API changed; run \`cwsync doctor --shapes\` and report what differs. Nothing was read as empty`,
      },
    );
  }
}

/** A list whose paging did not end: a loop, a server ignoring paging, or the page cap. Never a silent truncation. */
export class PagingError extends CwsyncError {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly path: string,
    reason: string,
    options: { hint?: string; label?: string } = {},
  ) {
    super(`${service} ${callName(method, path, options.label)} did not page to an end: ${reason}`, {
      hint:
        options.hint ??
        `nothing from this list was used; if it repeats, run \`cwsync doctor --shapes\` and report what ${service} sent`,
    });
  }
}

/**
 * Whether a write that failed this way may nevertheless have been carried out: no answer, a
 * server error, a redirect (ConnectWise has been seen answering a POST that landed with one:
 * vendor evidence #21), or a success whose body could not be read (not understood, cut off,
 * too large). Only a 4xx, or a refusal before sending, proves a write did not land.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  if (err instanceof HttpError) return err.status >= 500 || (err.status >= 300 && err.status < 400);
  if (err instanceof ShapeError) return err.method !== 'GET';
  if (err instanceof LocalRequestError) {
    const s = err.answeredStatus;
    return s !== undefined && err.method !== 'GET' && !(s >= 400 && s < 500);
  }
  return false;
}
