/**
 * The one HTTP transport: node:http(s) with a keep-alive pool and connect, header and body
 * deadlines (exchange.ts), a concurrency and adaptive rate cap, and the retry policy every
 * client shares:
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
import { type Logger, silentLogger } from '../log.js';
import {
  describeNetworkFailure,
  errorDetail,
  type HttpResponse,
  parseAnswer,
  readCapped,
  retryAfterMs,
  safeLocation,
  seconds,
  TooLarge,
} from './answer.js';
import { type Clock, realClock } from './clock.js';
import { HttpError, LocalRequestError, NetworkError } from './errors.js';
import { type Answered, Pool } from './exchange.js';
import { Limiter, PastDeadline } from './limiter.js';
import { type PreparedRequest, prepareRequest } from './prepare.js';

export type { HttpResponse } from './answer.js';

const PAST_DEADLINE = "the run's deadline (--max-duration) has passed";

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestSpec {
  method: Method;
  url: string | URL;
  headers?: Record<string, string>;
  body?: unknown;
  /** What this call is for, in words, for messages: "list agreements". */
  label?: string;
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
type Outcome<T> =
  | { ok: true; response: HttpResponse<T> }
  | { ok: false; error: HttpError | NetworkError | LocalRequestError; retryAfterMs?: number; giveUp?: boolean };

export class Transport {
  readonly service: string;
  readonly stats: TransportStats = { requests: 0, retries: 0, throttled: 0 };
  readonly limiter: Limiter;
  private readonly pool: Pool;
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
    this.pool = new Pool({
      connections: this.opts.concurrency,
      timeoutMs: this.opts.timeoutMs,
      connectTimeoutMs: Math.min(10_000, this.opts.timeoutMs),
    });
  }

  async request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>> {
    const prepared = prepareRequest(this.service, spec, this.opts.headerSources);
    const unsent = (reason: string) =>
      new LocalRequestError(this.service, spec.method, prepared.path, reason, { label: spec.label });
    for (let attempt = 1; ; attempt++) {
      // Closed while this call waited (the run failed elsewhere): stop, rather than retry into a closed pool.
      if (this.closed) throw unsent('the client was closed (the run is ending)');
      if (this.pastDeadline(0)) throw unsent(PAST_DEADLINE);
      const outcome = await this.limiter
        .run((startedAt) => this.once<T>(spec, prepared, startedAt))
        .catch((err: unknown) => {
          if (err instanceof PastDeadline) throw unsent(PAST_DEADLINE);
          throw err;
        });
      if (outcome.ok) {
        this.limiter.succeeded();
        return outcome.response;
      }
      const { error } = outcome;
      if (!retryable(outcome, spec.method) || attempt >= this.opts.maxAttempts) throw error;
      const delay = outcome.retryAfterMs ?? this.backoff(attempt);
      if (this.pastDeadline(delay))
        throw unsent(
          `${error.message}; waiting ${seconds(delay)} to try again would pass the run's deadline (--max-duration)`,
        );
      this.stats.retries++;
      this.log.info(
        {
          service: this.service,
          method: spec.method,
          path: prepared.path,
          attempt,
          delayMs: delay,
          reason: error.message,
        },
        'retrying',
      );
      await this.clock.sleep(delay, this.closing.signal);
    }
  }

  /** Whether waiting `ms` from now would end past the run's deadline. */
  private pastDeadline(ms: number): boolean {
    return this.deadlineAt !== undefined && this.clock.now() + ms >= this.deadlineAt;
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

  /** One attempt: send, read the body within what is left of the attempt's deadline, judge the status. */
  private async once<T>(spec: RequestSpec, req: PreparedRequest, startedAt: number): Promise<Outcome<T>> {
    this.stats.requests++;
    // Only when logged: at 20,000 customers there are 100,000 requests.
    const where = () => ({ service: this.service, method: spec.method, path: req.path });
    if (this.log.isLevelEnabled('trace')) this.log.trace({ ...where(), headers: req.headers }, 'request');
    const sent = await this.send(spec, req, startedAt);
    if (!('res' in sent)) return sent;
    const { res } = sent;
    const read = await this.readBody(spec, req, res, startedAt);
    if (!('bytes' in read)) return read;
    const { bytes } = read;
    if (this.log.isLevelEnabled('debug'))
      this.log.debug({ ...where(), status: res.status, ms: this.clock.now() - startedAt }, 'response');
    const answer = parseAnswer(res, bytes);
    if (res.status >= 200 && res.status < 300) return { ok: true, response: answer as HttpResponse<T> };
    return this.failure(spec, req, res, answer, startedAt);
  }

  private async send(
    spec: RequestSpec,
    req: PreparedRequest,
    startedAt: number,
  ): Promise<{ res: Answered } | Outcome<never>> {
    let sending: Promise<Answered>;
    try {
      sending = this.pool.send(req.url, spec.method, req.headers, req.payload);
    } catch {
      // Node refuses a request it cannot send (a header value, the URL) before any byte leaves;
      // its message may quote what was refused: never repeated, never retried.
      return {
        ok: false,
        error: new LocalRequestError(this.service, spec.method, req.path, `refused by this machine's HTTP client`, {
          label: spec.label,
        }),
      };
    }
    try {
      return { res: await sending };
    } catch (err) {
      return this.noAnswer(spec, req.path, req.headers, err, startedAt);
    }
  }

  private async readBody(
    spec: RequestSpec,
    req: PreparedRequest,
    res: Answered,
    startedAt: number,
  ): Promise<{ bytes: Uint8Array } | Outcome<never>> {
    try {
      // What is left of this attempt's deadline: the headers' wait counts against it too.
      const left = Math.max(1, this.opts.timeoutMs - (this.clock.now() - startedAt));
      return { bytes: await readCapped(res.body, this.opts.maxBodyBytes, left) };
    } catch (err) {
      if (err instanceof TooLarge)
        return {
          ok: false,
          error: new LocalRequestError(
            this.service,
            spec.method,
            req.path,
            `the answer (HTTP ${res.status}) is larger than ${this.opts.maxBodyBytes} bytes, so it was not read`,
            { label: spec.label, answeredStatus: res.status },
          ),
        };
      return this.noAnswer(spec, req.path, req.headers, err, startedAt);
    }
  }

  /** A status other than 2xx: the API's words scrubbed of every secret, and whether (and when) to retry. */
  private failure(
    spec: RequestSpec,
    req: PreparedRequest,
    res: Answered,
    answer: HttpResponse,
    startedAt: number,
  ): Outcome<never> {
    const scrubbed = this.scrubDetail(errorDetail(answer), req.headers);
    const facts: ErrorFacts = { status: res.status, method: spec.method, path: req.path, ...scrubbed };
    if (res.status >= 300 && res.status < 400) {
      scrubbed.message = `redirected to ${safeLocation(res.headers.get('location'))}; redirects are not followed because they drop credentials`;
    }
    const wait = res.status === 429 ? this.throttled(res, startedAt) : {};
    const error = new HttpError({
      service: this.service,
      method: spec.method,
      path: req.path,
      label: spec.label,
      status: res.status,
      code: scrubbed.code,
      apiMessage: scrubbed.message,
      errors: scrubbed.errors,
      hint: this.opts.hint?.(facts),
      note: wait.note,
    });
    return { ok: false, error, retryAfterMs: wait.retryAfterMs, giveUp: wait.giveUp ?? false };
  }

  private scrubDetail(detail: ReturnType<typeof errorDetail>, headers: Record<string, string>) {
    return {
      code: detail.code && this.scrub(detail.code, headers),
      message: detail.message && this.scrub(detail.message, headers),
      errors: detail.errors?.map((e) => ({
        ...e,
        code: e.code && this.scrub(String(e.code), headers),
        message: e.message && this.scrub(String(e.message), headers),
      })),
    };
  }

  /** A 429: the pace for this API is lowered; a Retry-After beyond the cap is not waited for. */
  private throttled(res: Answered, startedAt: number): { retryAfterMs?: number; giveUp?: boolean; note?: string } {
    this.stats.throttled++;
    const asked = retryAfterMs(res.headers.get('retry-after'), this.clock.now());
    const tooLong = asked !== undefined && asked > this.opts.maxRetryAfterMs;
    this.limiter.throttled(startedAt, asked !== undefined && !tooLong ? asked : undefined);
    if (tooLong)
      return {
        giveUp: true,
        note: `the server asked to wait ${seconds(asked)} before trying again, longer than the ${seconds(this.opts.maxRetryAfterMs)} cwsync waits`,
      };
    return { retryAfterMs: asked ?? this.backoff(1) };
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
    await this.pool.close();
  }
}

function isTransient(err: HttpError | NetworkError | LocalRequestError): boolean {
  return err instanceof NetworkError || (err instanceof HttpError && err.status >= 500);
}

/** A failure is tried again when the server asked for a wait (429), or when a read found no answer or a 5xx. */
function retryable(outcome: Extract<Outcome<unknown>, { ok: false }>, method: Method): boolean {
  if (outcome.giveUp || outcome.error instanceof LocalRequestError) return false;
  return outcome.retryAfterMs !== undefined || (READS.has(method) && isTransient(outcome.error));
}
