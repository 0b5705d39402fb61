/** Bounded fan-out, shared by the adapters and the reconciler; neither owns it. */

/**
 * Runs `fn` over `items` with at most `limit` running at once. Unlike Promise.all over every
 * item, the number of pending tasks (and what they hold) stays bounded however long the list.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
