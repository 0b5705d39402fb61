/**
 * Reading an answer, apart from the transport's retries: the body within a size cap and one
 * deadline, parsed as JSON or kept as text, the API's own words from an error body, and the
 * words for a failure that brought no answer.
 */
import type { Readable } from 'node:stream';
import type { ApiErrorDetail } from './errors.js';
import { NoAnswerInTime } from './exchange.js';
import { type AnswerFacts, describeBody } from './shape.js';

export interface HttpResponse<T = unknown> extends AnswerFacts {
  status: number;
  headers: Headers;
  /** The parsed JSON; for a body that is not JSON, its text (never print it); empty: undefined. */
  body: T;
}

export class TooLarge extends Error {}

class BodyTimeout extends Error {
  override name = 'TimeoutError';
}

/**
 * The body, read chunk by chunk so a huge answer is refused without being held in memory, and
 * within one deadline: a server sending a byte a second cannot hold the call for as long as the
 * size cap allows.
 */
export async function readCapped(body: Readable, max: number, deadlineMs: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = setTimeout(
    () => body.destroy(new BodyTimeout('the answer did not arrive within the deadline')),
    deadlineMs,
  );
  timer.unref?.();
  try {
    // Leaving the loop early (too large) destroys the stream and its connection.
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > max) throw new TooLarge();
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

export function parseAnswer(res: { status: number; headers: Headers }, bytes: Uint8Array): HttpResponse {
  const base = { status: res.status, headers: res.headers, bytes: bytes.byteLength };
  if (bytes.byteLength === 0) return { ...base, body: undefined, format: 'empty' };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.trim() === '') return { ...base, body: undefined, format: 'empty' };
  try {
    return { ...base, body: JSON.parse(text) as unknown, format: 'json' };
  } catch {
    return { ...base, body: text, format: 'not-json' };
  }
}

/**
 * The API's own words, when it sent them as JSON (`code`/`error`, `message`, `errors[]`). A body
 * that is not JSON is described by its status, type and size: a proxy page is never quoted.
 */
export function errorDetail(answer: HttpResponse): { code?: string; message?: string; errors?: ApiErrorDetail[] } {
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
export function safeLocation(location: string | null): string {
  if (!location) return '?';
  try {
    const u = new URL(location, 'http://relative.invalid');
    return u.host === 'relative.invalid' ? u.pathname : `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'an unreadable location';
  }
}

export const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function describeNetworkFailure(err: unknown): string {
  if (err instanceof NoAnswerInTime) return err.message;
  if (!err || typeof err !== 'object') return 'no answer';
  type Facts = { code?: unknown; name?: unknown; message?: unknown };
  const e = err as Facts & { cause?: Facts };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  // Node's network errors carry their code themselves; a wrapped one carries it in its cause.
  const coded = typeof e.cause?.code === 'string' ? e.cause : typeof e.code === 'string' ? e : undefined;
  const words = (m: unknown) => (typeof m === 'string' && m ? m.slice(0, 200) : undefined);
  if (coded) return `${coded.code}${words(coded.message) ? ` (${words(coded.message)})` : ''}`;
  return words(e.message) ?? 'no answer';
}
