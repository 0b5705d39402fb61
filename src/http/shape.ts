/**
 * A summary of what a server sent, for error messages and `doctor --shapes`: the structure
 * (list or object, keys, value types), never a value. Safe to print: it cannot carry a secret
 * or a record's content, only key names, which belong to the API's schema.
 */

const MAX_KEYS = 12;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

/** e.g. `list of 3 objects {id: number, name: string}`, `object {error: string}`, `string`. */
export function describeShape(value: unknown, depth = 1): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return 'empty list';
    const kinds = [...new Set(value.map(typeOf))];
    const first = value.find((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    const inner = kinds.length === 1 && kinds[0] === 'object' && first ? ` ${keysOf(first, depth)}` : '';
    return `list of ${value.length} ${kinds.join('/')}${value.length === 1 ? '' : 's'}${inner}`;
  }
  if (value !== null && typeof value === 'object') return `object ${keysOf(value as Record<string, unknown>, depth)}`;
  return typeOf(value);
}

function keysOf(obj: Record<string, unknown>, depth: number): string {
  const keys = Object.keys(obj);
  const shown = keys.slice(0, MAX_KEYS).map((k) => {
    const v = obj[k];
    const t = depth > 0 && v !== null && typeof v === 'object' ? describeShape(v, depth - 1) : typeOf(v);
    return `${safeKey(k)}: ${t}`;
  });
  return `{${shown.join(', ')}${keys.length > MAX_KEYS ? `, +${keys.length - MAX_KEYS} more` : ''}}`;
}

/** Keys are schema, not data, but a hostile server could put anything there: keep them short and printable. */
function safeKey(k: string): string {
  const clean = k.replace(/[^\w.$-]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/** What came back, for an error naming a call: status, content type and shape; never raw content. */
export function describeResponse(status: number, contentType: string | null, body: unknown, bytes?: number): string {
  const type = contentType ? contentType.split(';')[0]!.trim().slice(0, 60) : 'no content type';
  const size = bytes === undefined ? '' : `, ${bytes} bytes`;
  const shape =
    typeof body === 'string' ? (body.length === 0 ? 'an empty body' : 'a body that is not JSON') : describeShape(body);
  return `HTTP ${status} ${type}${size}: ${shape}`;
}
