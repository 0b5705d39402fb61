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
    const what = init.label ? `${init.label} (${init.method} ${init.path})` : `${init.method} ${init.path}`;
    const said = [init.code, init.apiMessage].filter(Boolean).join(': ');
    const details = (init.errors ?? []).map((e) => e.message ?? e.code).filter(Boolean);
    super(
      `${init.service} ${what} failed with HTTP ${init.status}${said ? ` ${said}` : ''}${details.length ? ` (${details.join('; ')})` : ''}`,
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
    super(
      `${service} ${options.label ? `${options.label} (${method} ${path})` : `${method} ${path}`} got no answer: ${reason}`,
      { hint: options.hint, cause: options.cause },
    );
  }
}

/** Whether a write that failed this way may nevertheless have been carried out. */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof NetworkError || (err instanceof HttpError && err.status >= 500);
}
