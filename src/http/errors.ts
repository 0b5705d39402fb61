/** Typed HTTP failures: which call failed, what the API said, and what to check. */
import { CwsyncError, callName, NotUnderstood } from '../errors.js';

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
    const what = callName(init);
    const said = [init.code, init.apiMessage].filter(Boolean).join(': ');
    const details = (init.errors ?? []).map((e) => e.message ?? e.code).filter(Boolean);
    super(
      `${what} failed with HTTP ${init.status}${said ? ` ${said}` : ''}${details.length ? ` (${details.join('; ')})` : ''}${init.note ? `; ${init.note}` : ''}`,
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
    super(`${callName({ service, method, path, label: options.label })} got no answer: ${reason}`, {
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
    const what = callName({ service, method, path, label: options.label });
    super(options.answeredStatus === undefined ? `${what} was not sent: ${reason}` : `${what}: ${reason}`, {
      hint: options.hint,
    });
    this.answeredStatus = options.answeredStatus;
  }
}

/**
 * Whether a write that failed this way may nevertheless have been carried out (the adapter then
 * throws the port's one OutcomeUnknown, reconcile/ports.ts): no answer, a
 * server error, a redirect (ConnectWise has been seen answering a POST that landed with one:
 * vendor evidence #21), or a success whose body could not be read (not understood, cut off,
 * too large). Only a 4xx, or a refusal before sending, proves a write did not land.
 */
export function mayHaveLanded(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  if (err instanceof HttpError) return err.status >= 500 || (err.status >= 300 && err.status < 400);
  if (err instanceof NotUnderstood) return err.call !== undefined && err.call.method !== 'GET';
  if (err instanceof LocalRequestError) {
    const s = err.answeredStatus;
    return s !== undefined && err.method !== 'GET' && !(s >= 400 && s < 500);
  }
  return false;
}
