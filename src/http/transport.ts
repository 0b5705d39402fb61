/**
 * The one HTTP transport: global fetch with an undici Agent (keep-alive pool, connect, header
 * and body timeouts), a concurrency and adaptive rate cap, and the retry policy every client
 * shares:
 * - 429: wait for Retry-After (or back off) and retry, whatever the method: it was not served;
 *   the rate for this API is lowered, and every request waits out the Retry-After; a
 *   Retry-After beyond the cap fails at once, saying how long the server asked for;
 * - 5xx and network failures: retried with exponential backoff and jitter for reads only; a
 *   write that fails this way is surfaced, and the caller re-reads to learn whether it landed;
 * - any other 4xx: never retried;
 * - a request refused on this machine (bad URL, a header value that may not be sent, a body
 *   that cannot be serialized): never sent, never retried.
 * Header values, and the secrets behind them, never appear in an error or a log message.
 */
import { Agent } from 'undici';
import { type Logger, silentLogger } from '../log.js';
import { type Clock, realClock } from './clock.js';
import { type ApiErrorDetail, HttpError, LocalRequestError, NetworkError } from './errors.js';
import { Limiter, PastDeadline } from './limiter.js';

const PAST_DEADLINE = "the run's deadline (--max-duration) has passed";

import { type AnswerFacts, describeBody } from './shape.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestSpec {
  method: Method;
  url: string | URL;
  headers?: Record<string, string>;
  body?: unknown;
  /** What this call is for, in words, for messages: "list agreements". */
  label?: string;
}

export interface HttpResponse<T = unknown> extends AnswerFacts {
  status: number;
  headers: Headers;
  /** The parsed JSON; for a body that is not JSON, its text (never print it); empty: undefined. */
  body: T;
}

export interface ErrorFacts {
  status: number;
  method: string;
  path: string;
  code?: string;
  message?: string;
}

export interface TransportOptions {
  service: string;
  concurrency?: number;
  requestsPerSecond?: number;
  /** Attempts in all, including the first. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for; the call fails instead. */
  maxRetryAfterMs?: number;
  /** One request's deadline: connect, headers, and between body chunks. */
  timeoutMs?: number;
  /** An answer larger than this is not read (a page of 1,000 records is about 1 MB). */
  maxBodyBytes?: number;
  logger?: Logger;
  /** What the user should check for a failure of this API. */
  hint?: (facts: ErrorFacts) => string | undefined;
  /** Time and waiting; tests inject a clock that does not really wait. */
  clock?: Clock;
  /**
   * The run's deadline (--max-duration), in ms by `clock`: no request starts after it, and no
   * wait (Retry-After, backoff, pacing) reaches past it; the call fails instead, unsent.
   */
  deadlineAt?: number;
  /** Jitter source, 0 <= x < 1. */
  random?: () => number;
  /** Values that must never appear in a message (the credentials behind the headers). */
  secrets?: string[];
  /** Where a header's value comes from, named in a refusal: { clientid: 'connectwise.clientId' }. */
  headerSources?: Record<string, string>;
}

export interface TransportStats {
  requests: number;
  retries: number;
  throttled: number;
}

const READS = new Set<Method>(['GET']);
/** Headers whose values carry no secret; every other header value is scrubbed from messages. */
const PLAIN_HEADERS = new Set(['accept', 'content-type', 'pagination-type', 'user-agent', 'cache-control']);
/**
 * Whether a header value cannot be sent as is: fetch sends values as bytes 0-255, and a control
 * character (a line break above all) would split or smuggle a header. A tab is legal in HTTP;
 * `strict` refuses it too, for credentials, which never hold one.
 */
export function unsendable(value: string, strict = false): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && (strict || c !== 0x09)) || c === 0x7f || c > 0xff) return true;
  }
  return false;
}

type Outcome<T> =
  | { ok: true; response: HttpResponse<T> }
  | { ok: false; error: HttpError | NetworkError | LocalRequestError; retryAfterMs?: number; giveUp?: boolean };

export class Transport {
  readonly service: string;
  readonly stats: TransportStats = { requests: 0, retries: 0, throttled: 0 };
  readonly limiter: Limiter;
  private readonly agent: Agent;
  private readonly opts: Required<
    Pick<
      TransportOptions,
      'concurrency' | 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'timeoutMs' | 'maxBodyBytes'
    >
  > &
    Pick<TransportOptions, 'hint' | 'headerSources'>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly secrets: string[];
  private closed = false;
  private readonly deadlineAt: number | undefined;
  /** Aborted by close(): every wait for a retry or a pacing slot ends at once. */
  private readonly closing = new AbortController();

  constructor(options: TransportOptions) {
    this.service = options.service;
    this.opts = {
      concurrency: options.concurrency ?? 4,
      maxAttempts: options.maxAttempts ?? 6,
      baseDelayMs: options.baseDelayMs ?? 300,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
      hint: options.hint,
      headerSources: options.headerSources,
    };
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
    this.deadlineAt = options.deadlineAt;
    this.limiter = new Limiter(
      this.opts.concurrency,
      options.requestsPerSecond,
      this.clock,
      this.closing.signal,
      options.deadlineAt,
    );
    this.agent = new Agent({
      connections: this.opts.concurrency,
      // Below common server idle timeouts (Node: 5 s), so an idle socket is not reused as the server closes it.
      keepAliveTimeout: 4_000,
      connect: { timeout: Math.min(10_000, this.opts.timeoutMs) },
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
  }

  async request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>> {
    const { url, path, headers, payload } = this.prepare(spec);
    const unsent = (reason: string) =>
      new LocalRequestError(this.service, spec.method, path, reason, { label: spec.label });
    for (let attempt = 1; ; attempt++) {
      // Closed while this call waited (the run failed elsewhere): stop, rather than retry into a closed pool.
      if (this.closed) throw unsent('the client was closed (the run is ending)');
      if (this.pastDeadline(0)) throw unsent(PAST_DEADLINE);
      const outcome = await this.limiter
        .run((startedAt) => this.once<T>(spec, url, path, headers, payload, startedAt))
        .catch((err: unknown) => {
          if (err instanceof PastDeadline) throw unsent(PAST_DEADLINE);
          throw err;
        });
      if (outcome.ok) {
        this.limiter.succeeded();
        return outcome.response;
      }
      const { error, retryAfterMs } = outcome;
      const retryable =
        !outcome.giveUp &&
        !(error instanceof LocalRequestError) &&
        (retryAfterMs !== undefined || (READS.has(spec.method) && isTransient(error)));
      if (!retryable || attempt >= this.opts.maxAttempts) throw error;
      const delay = retryAfterMs ?? this.backoff(attempt);
      if (this.pastDeadline(delay))
        throw unsent(
          `${error.message}; waiting ${seconds(delay)} to try again would pass the run's deadline (--max-duration)`,
        );
      this.stats.retries++;
      this.log.info(
        { service: this.service, method: spec.method, path, attempt, delayMs: delay, reason: error.message },
        'retrying',
      );
      await this.clock.sleep(delay, this.closing.signal);
    }
  }

  /** Whether waiting `ms` from now would end past the run's deadline. */
  private pastDeadline(ms: number): boolean {
    return this.deadlineAt !== undefined && this.clock.now() + ms >= this.deadlineAt;
  }

  /** Everything that can be refused before sending: done once, never retried. */
  private prepare(spec: RequestSpec): {
    url: URL;
    path: string;
    headers: Record<string, string>;
    payload: string | undefined;
  } {
    const refuse = (path: string, reason: string, hint?: string) =>
      new LocalRequestError(this.service, spec.method, path, reason, { label: spec.label, hint });
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      throw refuse('?', 'its URL is not valid', 'check the API url or site in the config');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw refuse(url.pathname, `its URL uses ${url.protocol.slice(0, 10)}, not https`);
    if (url.username || url.password)
      throw refuse(url.pathname, 'its URL holds credentials (user:pass@)', 'remove the credentials from the url');
    const headers: Record<string, string> = { ...spec.headers };
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string' && !unsendable(value)) continue;
      const source = this.opts.headerSources?.[name.toLowerCase()];
      throw refuse(
        url.pathname,
        `the ${name} header would carry a control or non-Latin-1 character${source ? ` (its value comes from ${source})` : ''}`,
        source ? `check the secret ${source} refers to: it must be one line, with no control characters` : undefined,
      );
    }
    let payload: string | undefined;
    if (spec.body !== undefined) {
      try {
        payload = JSON.stringify(spec.body);
      } catch {
        throw refuse(url.pathname, 'its body cannot be serialized as JSON');
      }
      headers['content-type'] ??= 'application/json';
    }
    return { url, path: url.pathname, headers, payload };
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + this.random() * (exp / 2));
  }

  /** Removes every header value and secret from text bound for a message. */
  private scrub(text: string, headers: Record<string, string>): string {
    const values = [...this.secrets];
    for (const [name, value] of Object.entries(headers)) {
      if (PLAIN_HEADERS.has(name.toLowerCase())) continue;
      values.push(value, ...value.split(/\s+/).filter((v) => v.length >= 4));
    }
    let out = text;
    for (const v of values) if (v.length >= 4) out = out.split(v).join('[redacted]');
    return out;
  }

  private async once<T>(
    spec: RequestSpec,
    url: URL,
    path: string,
    headers: Record<string, string>,
    payload: string | undefined,
    startedAt: number,
  ): Promise<Outcome<T>> {
    this.stats.requests++;
    const where = { service: this.service, method: spec.method, path };
    this.log.trace({ ...where, headers }, 'request');
    let res: Response;
    // Timeouts come from the Agent (connect, headers, body). No per-request abort signal:
    // fetch registers listeners and finalizers for each one, which at thousands of requests
    // a minute outlive the request and swell the heap.
    try {
      res = await fetch(url, {
        method: spec.method,
        headers,
        body: payload,
        redirect: 'manual',
        // @ts-expect-error Node's fetch accepts an undici dispatcher; the DOM typings do not list it.
        dispatcher: this.agent,
      });
    } catch (err) {
      // fetch reports a network failure as TypeError "fetch failed" with the cause; any other
      // TypeError is a refusal on this machine (a header value, the URL), whose message may
      // quote what was refused: never repeated, never retried.
      if (err instanceof TypeError && err.message !== 'fetch failed')
        return {
          ok: false,
          error: new LocalRequestError(this.service, spec.method, path, `refused by this machine's HTTP client`, {
            label: spec.label,
          }),
        };
      return this.noAnswer(spec, path, headers, err, startedAt);
    }
    let bytes: Uint8Array;
    try {
      // What is left of this attempt's deadline: the headers' wait counts against it too.
      const left = Math.max(1, this.opts.timeoutMs - (this.clock.now() - startedAt));
      bytes = await readCapped(res, this.opts.maxBodyBytes, left);
    } catch (err) {
      if (err instanceof TooLarge)
        return {
          ok: false,
          error: new LocalRequestError(
            this.service,
            spec.method,
            path,
            `the answer (HTTP ${res.status}) is larger than ${this.opts.maxBodyBytes} bytes, so it was not read`,
            { label: spec.label, answeredStatus: res.status },
          ),
        };
      return this.noAnswer(spec, path, headers, err, startedAt);
    }
    this.log.debug({ ...where, status: res.status, ms: this.clock.now() - startedAt }, 'response');
    const answer = parse(res, bytes);
    if (res.status >= 200 && res.status < 300) return { ok: true, response: answer as HttpResponse<T> };

    const detail = errorDetail(answer);
    const scrubbed = {
      code: detail.code && this.scrub(detail.code, headers),
      message: detail.message && this.scrub(detail.message, headers),
      errors: detail.errors?.map((e) => ({
        ...e,
        code: e.code && this.scrub(String(e.code), headers),
        message: e.message && this.scrub(String(e.message), headers),
      })),
    };
    const facts: ErrorFacts = { status: res.status, method: spec.method, path, ...scrubbed };
    let note: string | undefined;
    let retryAfter: number | undefined;
    let giveUp = false;
    if (res.status >= 300 && res.status < 400) {
      scrubbed.message = `redirected to ${safeLocation(res.headers.get('location'))}; redirects are not followed because they drop credentials`;
    }
    if (res.status === 429) {
      this.stats.throttled++;
      const asked = retryAfterMs(res.headers.get('retry-after'), this.clock.now());
      this.limiter.throttled(startedAt, asked !== undefined && asked <= this.opts.maxRetryAfterMs ? asked : undefined);
      if (asked !== undefined && asked > this.opts.maxRetryAfterMs) {
        giveUp = true;
        note = `the server asked to wait ${seconds(asked)} before trying again, longer than the ${seconds(this.opts.maxRetryAfterMs)} cwsync waits`;
      } else retryAfter = asked ?? this.backoff(1);
    }
    const error = new HttpError({
      service: this.service,
      method: spec.method,
      path,
      label: spec.label,
      status: res.status,
      code: scrubbed.code,
      apiMessage: scrubbed.message,
      errors: scrubbed.errors,
      hint: this.opts.hint?.(facts),
      note,
    });
    return { ok: false, error, retryAfterMs: retryAfter, giveUp };
  }

  private noAnswer(
    spec: RequestSpec,
    path: string,
    headers: Record<string, string>,
    err: unknown,
    startedAt: number,
  ): Outcome<never> {
    const reason = this.scrub(describeNetworkFailure(err), headers);
    // Closed under a request in flight: the run is ending for another reason, which it reports.
    if (this.closed)
      throw new LocalRequestError(this.service, spec.method, path, 'the client was closed (the run is ending)');
    this.log.warn(
      { service: this.service, method: spec.method, path, reason, ms: this.clock.now() - startedAt },
      'no answer',
    );
    return {
      ok: false,
      error: new NetworkError(this.service, spec.method, path, reason, {
        label: spec.label,
        hint: this.opts.hint?.({ status: 0, method: spec.method, path }),
      }),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    await this.agent.close();
  }
}

class TooLarge extends Error {}

class BodyTimeout extends Error {
  override name = 'TimeoutError';
}

/**
 * The body, read chunk by chunk so a huge answer is refused without being held in memory, and
 * within one deadline: undici's bodyTimeout bounds the gap between chunks, so a server sending a
 * byte a second would otherwise hold the call for as long as the size cap allows.
 */
async function readCapped(res: Response, max: number, deadlineMs: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    reader.cancel().catch(() => undefined);
  }, deadlineMs);
  timer.unref?.();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (late) throw new BodyTimeout('the answer did not arrive within the deadline');
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => undefined);
        throw new TooLarge();
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

function parse(res: Response, bytes: Uint8Array): HttpResponse {
  const base = { status: res.status, headers: res.headers, bytes: bytes.byteLength };
  if (bytes.byteLength === 0) return { ...base, body: undefined, format: 'empty' };
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') return { ...base, body: undefined, format: 'empty' };
  try {
    return { ...base, body: JSON.parse(text) as unknown, format: 'json' };
  } catch {
    return { ...base, body: text, format: 'not-json' };
  }
}

function isTransient(err: HttpError | NetworkError | LocalRequestError): boolean {
  return err instanceof NetworkError || (err instanceof HttpError && err.status >= 500);
}

/**
 * The API's own words, when it sent them as JSON (`code`/`error`, `message`, `errors[]`). A body
 * that is not JSON is described by its status, type and size: a proxy page is never quoted.
 */
function errorDetail(answer: HttpResponse): { code?: string; message?: string; errors?: ApiErrorDetail[] } {
  const body = answer.body;
  if (answer.format === 'json' && body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 500) : undefined);
    const errors = Array.isArray(b.errors)
      ? (b.errors as unknown[])
          .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
          .slice(0, 10)
          .map((e) => ({ code: str(e.code), message: str(e.message), field: str(e.field), resource: str(e.resource) }))
      : undefined;
    return { code: str(b.code) ?? str(b.error), message: str(b.message), errors };
  }
  if (answer.format === 'empty') return {};
  return { message: `(${describeBody(answer)})` };
}

/** A redirect target without its query or credentials: enough to see where it points. */
function safeLocation(location: string | null): string {
  if (!location) return '?';
  try {
    const u = new URL(location, 'http://relative.invalid');
    return u.host === 'relative.invalid' ? u.pathname : `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'an unreadable location';
  }
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeNetworkFailure(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; name?: string; message?: string } }).cause;
    if (cause?.code === 'UND_ERR_HEADERS_TIMEOUT' || cause?.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
    if (cause?.code === 'UND_ERR_CONNECT_TIMEOUT') return 'timed out connecting';
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message.slice(0, 200)})` : ''}`;
    return err.message.slice(0, 200);
  }
  return 'no answer';
}
