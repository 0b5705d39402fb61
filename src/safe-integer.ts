/**
 * Integers beyond 2^53 (Number.MAX_SAFE_INTEGER + 1 and up) are refused wherever they enter:
 * JSON.parse and YAML read 9007199254740993 as 9007199254740992 without a word, so a count, an
 * id or a limit that large would be billed, written or compared as another number.
 */

/** Said in every message: the largest integer a number holds exactly. */
export const SAFE_LIMIT = `2^53 - 1 (${Number.MAX_SAFE_INTEGER})`;

/** A number that is a whole number but not exactly representable (beyond 2^53 either way). */
export const isUnsafeInteger = (v: unknown): boolean =>
  typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v);

/**
 * The path (`$.actions[0].after`) of the first integer beyond 2^53 in a parsed JSON value, or
 * undefined. Walks without recursion (the value may come from a hostile file); paths are built
 * only once one is known to be there, so a 20,000-customer snapshot is walked in milliseconds.
 */
export function unsafeIntegerAt(value: unknown, root = '$'): string | undefined {
  return holdsUnsafeInteger(value) ? firstPath(value, root) : undefined;
}

function holdsUnsafeInteger(value: unknown): boolean {
  if (isUnsafeInteger(value)) return true;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node !== null && typeof node === 'object' && childrenHoldUnsafe(Object.values(node), pending)) return true;
  }
  return false;
}

/** True when one of the children is an integer beyond 2^53; the objects among them are queued for the walk. */
function childrenHoldUnsafe(children: unknown[], pending: unknown[]): boolean {
  for (const child of children) {
    if (isUnsafeInteger(child)) return true;
    if (child !== null && typeof child === 'object') pending.push(child);
  }
  return false;
}

function firstPath(value: unknown, root: string): string | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (isUnsafeInteger(v)) return path;
    if (v === null || typeof v !== 'object') continue;
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i]!;
      stack.push([child, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`]);
    }
  }
  return undefined;
}

/**
 * Whether JSON text could hold an integer beyond 2^53: one needs 16 digits in a row, or an
 * exponent. A cheap look at the text that spares most files the walk.
 */
export const mayHoldUnsafeInteger = (text: string): boolean => /\d{16}|\d[eE]/.test(text);
