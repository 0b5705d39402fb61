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
 * undefined. Walks without recursion: the value may come from a hostile file.
 */
export function unsafeIntegerAt(value: unknown, root = '$'): string | undefined {
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
