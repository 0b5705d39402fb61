/**
 * Reading an answer, apart from the transport's retries: the body within a size cap and one
 * deadline, parsed as JSON or kept as text, the API's own words from an error body, and the
 * words for a failure that brought no answer.
 */
import type { ApiErrorDetail } from './errors.js';
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
 * within one deadline: undici's bodyTimeout bounds the gap between chunks, so a server sending a
 * byte a second would otherwise hold the call for as long as the size cap allows.
 */
export async function readCapped(res: Response, max: number, deadlineMs: number): Promise<Uint8Array> {
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

export function parseAnswer(res: Response, bytes: Uint8Array): HttpResponse {
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
