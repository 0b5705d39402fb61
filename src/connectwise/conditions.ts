/**
 * Builds ConnectWise `conditions` expressions safely.
 *
 * ConnectWise documents no escape for a quote inside a string. So a value is wrapped in double
 * quotes, or single quotes when it contains a double quote; a value holding both kinds is
 * matched with `like` and `_` in place of each double quote. Either way callers filter the
 * results for exact equality, so a wildcard can only widen a query, never change an answer.
 */
import { isoSeconds } from '../time.js';

export type Value = string | number | boolean | null | Date;

export function literal(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (value instanceof Date) return `[${isoSeconds(value)}]`;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  throw new Error('a value with both quote kinds needs like(); use eq()');
}

const hasBothQuotes = (v: Value) => typeof v === 'string' && v.includes('"') && v.includes("'");

export function eq(field: string, value: Value): string {
  if (hasBothQuotes(value)) return `${field} like "${(value as string).replace(/"/g, '_')}"`;
  return `${field} = ${literal(value)}`;
}

export function inList(field: string, values: readonly Value[]): string {
  const plain = values.filter((v) => !hasBothQuotes(v));
  const odd = values.filter(hasBothQuotes);
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

export function or(...parts: string[]): string {
  return parts.map((p) => `(${p})`).join(' or ');
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
 * (as made by `urlFor`) within `maxUrlLength`.
 */
export function batchIn<T extends Value>(
  field: string,
  values: readonly T[],
  urlFor: (condition: string) => string,
  maxUrlLength = 2000,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  for (const v of values) {
    const trial = [...current, v];
    if (current.length > 0 && urlFor(inList(field, trial)).length > maxUrlLength) {
      batches.push(current);
      current = [v];
    } else {
      current = trial;
    }
  }
  if (current.length) batches.push(current);
  return batches;
}
