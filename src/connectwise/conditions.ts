/**
 * Builds ConnectWise `conditions` expressions with documented syntax only.
 *
 * Strings are wrapped in double quotes, and ConnectWise documents no escape for a quote inside
 * one, of either kind. So a value holding a quote is matched with `like`, each character that could
 * not be sent or could act as a pattern (`"`, `'`, `[`, `]`, `_`, `%`, `*`) replaced by the
 * documented `%` wildcard: the pattern can only match more than the value, never miss it.
 * Callers always re-check exact equality on what comes back (resolve.ts), so a widened query
 * never changes an answer. `_` is never sent as a wildcard: its meaning is undocumented.
 */
import { isoSeconds } from '../time.js';

export type Value = string | number | boolean | null | Date;

/** A value as a condition literal; a string holding a quote has none (see `eq`). */
export function literal(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (value instanceof Date) return `[${isoSeconds(value)}]`;
  if (needsLike(value)) throw new Error('a value holding a quote has no literal; use eq()');
  return `"${value}"`;
}

const needsLike = (v: Value): v is string => typeof v === 'string' && /["']/.test(v);

/** A `like` pattern matching at least `value`: specials become `%`, runs of `%` collapse. */
export function widePattern(value: string): string {
  return value.replace(/["'[\]_%*]/g, '%').replace(/%{2,}/g, '%');
}

/** `field = value`, or for a value holding a quote a `like` that matches at least it. */
export function eq(field: string, value: Value): string {
  if (needsLike(value)) return `${field} like "${widePattern(value)}"`;
  return `${field} = ${literal(value)}`;
}

export function inList(field: string, values: readonly Value[]): string {
  const plain = values.filter((v) => !needsLike(v));
  const odd = values.filter(needsLike);
  const parts = [
    ...(plain.length ? [`${field} in (${plain.map(literal).join(',')})`] : []),
    ...odd.map((v) => eq(field, v)),
  ];
  return parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`;
}

export function and(...parts: Array<string | undefined>): string {
  const present = parts.filter((p): p is string => !!p);
  return present.length === 1 ? present[0]! : present.map((p) => `(${p})`).join(' and ');
}

/** Percent-encodes a query value, including the characters ConnectWise treats specially. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function queryString(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${encodeQueryValue(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * Splits `values` into batches whose `field in (...)` condition keeps the whole request URL
 * (as made by `urlFor`) within `maxUrlLength`. Linear: a plain value joining an in-list that
 * already has one lengthens the URL by its own encoded `,literal` (percent-encoding goes
 * character by character), so only a batch's first value and a value holding a quote (which
 * changes the condition's shape) cost a whole URL to measure. At 20,000 names, measuring every
 * trial allocated hundreds of megabytes.
 */
export function batchIn<T extends Value>(
  field: string,
  values: readonly T[],
  urlFor: (condition: string) => string,
  maxUrlLength = 2000,
): T[][] {
  const measure = (vs: readonly T[]) => urlFor(inList(field, vs)).length;
  const batches: T[][] = [];
  let current: T[] = [];
  let length = 0;
  let plain = 0;
  for (const v of values) {
    const trial =
      plain > 0 && !needsLike(v) ? length + encodeQueryValue(`,${literal(v)}`).length : measure([...current, v]);
    if (current.length > 0 && trial > maxUrlLength) {
      batches.push(current);
      current = [v];
      length = measure(current);
      plain = needsLike(v) ? 0 : 1;
    } else {
      current.push(v);
      length = trial;
      if (!needsLike(v)) plain++;
    }
  }
  if (current.length) batches.push(current);
  return batches;
}
