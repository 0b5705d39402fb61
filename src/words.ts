/** Small wording helpers shared by every message and renderer. */

/** "1 customer", "2 customers"; `many` for words that do not just take an s. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
