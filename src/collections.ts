/** Each key's items, in the order given; an item whose key is undefined is left out. Built once, so a lookup per key costs no scan. */
export function groupBy<K, V>(items: Iterable<V>, keyOf: (item: V) => K | undefined): Map<K, V[]> {
  const groups = new Map<K, V[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * A function that gives back, for each value, the first one it was given with the same key: a
 * value that many records repeat is then held once. At most `limit` values are remembered; a
 * value whose key is undefined is never shared.
 */
export function sharer<T>(keyOf: (value: T) => string | undefined, limit: number): (value: T) => T {
  const first = new Map<string, T>();
  return (value) => {
    const key = keyOf(value);
    if (key === undefined) return value;
    const known = first.get(key);
    if (known !== undefined) return known;
    if (first.size < limit) first.set(key, value);
    return value;
  };
}
