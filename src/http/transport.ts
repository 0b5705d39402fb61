/**
 * The one HTTP transport: global fetch with an undici Agent (keep-alive pool, connect, header
 * and body timeouts), a concurrency and rate cap, and the retry policy every client shares:
 * - 429: wait for Retry-After (or back off) and retry, whatever the method: it was not served;
 * - 5xx and network failures: retried with exponential backoff and jitter for reads only; a
 *   write that fails this way is surfaced, and the caller re-reads to learn whether it landed;
 * - any other 4xx: never retried.
 */
import { Agent } from 'undici';
import { type Logger, silentLogger } from '../log.js';
import { type ApiErrorDetail, HttpError, NetworkError } from './errors.js';
import { Limiter, sleep } from './limiter.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestSpec {
  method: Method;
  url: string | URL;
  headers?: Record<string, string>;
  body?: unknown;
  /** What this call is for, in words, for messages: "list agreements". */
  label?: string;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
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
  timeoutMs?: number;
  logger?: Logger;
  /** What the user should check for a failure of this API. */
  hint?: (facts: ErrorFacts) => string | undefined;
}

export interface TransportStats {
  requests: number;
  retries: number;
}

const READS = new Set<Method>(['GET']);

export class Transport {
  readonly service: string;
  readonly stats: TransportStats = { requests: 0, retries: 0 };
  private readonly agent: Agent;
  private readonly limiter: Limiter;
  private readonly opts: Required<Omit<TransportOptions, 'requestsPerSecond' | 'hint' | 'logger'>> &
    Pick<TransportOptions, 'hint'>;
  private readonly log: Logger;

  constructor(options: TransportOptions) {
    this.service = options.service;
    this.opts = {
      service: options.service,
      concurrency: options.concurrency ?? 4,
      maxAttempts: options.maxAttempts ?? 6,
      baseDelayMs: options.baseDelayMs ?? 300,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      hint: options.hint,
    };
    this.log = options.logger ?? silentLogger;
    this.limiter = new Limiter(this.opts.concurrency, options.requestsPerSecond);
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
    const url = new URL(spec.url);
    const path = url.pathname;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.limiter.run(() => this.once<T>(spec, url, path));
      if (outcome.ok) return outcome.response;
      const { error, retryAfterMs } = outcome;
      const retryable = retryAfterMs !== undefined || (READS.has(spec.method) && isTransient(error));
      if (!retryable || attempt >= this.opts.maxAttempts) throw error;
      const delay = retryAfterMs ?? this.backoff(attempt);
      if (delay > this.opts.maxRetryAfterMs) throw error;
      this.stats.retries++;
      this.log.info(
        { service: this.service, method: spec.method, path, attempt, delayMs: delay, reason: error.message },
        'retrying',
      );
      await sleep(delay);
    }
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  private async once<T>(
    spec: RequestSpec,
    url: URL,
    path: string,
  ): Promise<
    { ok: true; response: HttpResponse<T> } | { ok: false; error: HttpError | NetworkError; retryAfterMs?: number }
  > {
    this.stats.requests++;
    const started = Date.now();
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.body !== undefined) headers['content-type'] ??= 'application/json';
    let res: Response;
    let text: string;
    // Timeouts come from the Agent (connect, headers, body). No per-request abort signal:
    // fetch registers listeners and finalizers for each one, which at thousands of requests
    // a minute outlive the request and swell the heap.
    try {
      res = await fetch(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        redirect: 'manual',
        // @ts-expect-error Node's fetch accepts an undici dispatcher; the DOM typings do not list it.
        dispatcher: this.agent,
      });
      text = await res.text();
    } catch (err) {
      const reason = describeNetworkFailure(err);
      this.log.warn(
        { service: this.service, method: spec.method, path, reason, ms: Date.now() - started },
        'no answer',
      );
      return {
        ok: false,
        error: new NetworkError(this.service, spec.method, path, reason, {
          label: spec.label,
          cause: err,
          hint: this.opts.hint?.({ status: 0, method: spec.method, path }),
        }),
      };
    }
    this.log.debug(
      { service: this.service, method: spec.method, path, status: res.status, ms: Date.now() - started },
      'response',
    );
    const body = parseBody(text);
    if (res.status >= 200 && res.status < 300)
      return { ok: true, response: { status: res.status, headers: res.headers, body: body as T } };

    const detail = errorDetail(body, text);
    const facts: ErrorFacts = {
      status: res.status,
      method: spec.method,
      path,
      code: detail.code,
      message: detail.message,
    };
    if (res.status >= 300 && res.status < 400) {
      detail.message = `redirected to ${res.headers.get('location') ?? '?'}; redirects are not followed because they drop credentials`;
    }
    const error = new HttpError({
      service: this.service,
      method: spec.method,
      path,
      label: spec.label,
      status: res.status,
      code: detail.code,
      apiMessage: detail.message,
      errors: detail.errors,
      hint: this.opts.hint?.(facts),
    });
    if (res.status === 429)
      return { ok: false, error, retryAfterMs: retryAfterMs(res.headers.get('retry-after')) ?? this.backoff(1) };
    return { ok: false, error };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function isTransient(err: HttpError | NetworkError): boolean {
  return err instanceof NetworkError || err.status >= 500;
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorDetail(body: unknown, text: string): { code?: string; message?: string; errors?: ApiErrorDetail[] } {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const errors = Array.isArray(b.errors)
      ? (b.errors as ApiErrorDetail[]).filter((e) => e && typeof e === 'object')
      : undefined;
    return { code: str(b.code) ?? str(b.error), message: str(b.message), errors };
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return snippet ? { message: snippet } : {};
}

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
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
    return err.message;
  }
  return String(err);
}

/** Test and benchmark runs may shorten backoff and timeouts through the environment; production never sets these. */
export function transportOverridesFromEnv(): { baseDelayMs?: number; timeoutMs?: number } {
  const base = Number(process.env.CWSYNC_RETRY_BASE_MS);
  const timeout = Number(process.env.CWSYNC_TIMEOUT_MS);
  return { ...(base > 0 ? { baseDelayMs: base } : {}), ...(timeout > 0 ? { timeoutMs: timeout } : {}) };
}
