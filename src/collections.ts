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
