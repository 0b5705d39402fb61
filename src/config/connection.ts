/**
 * The connection: where cwsync sends credentials, and which ones (SPEC §7). A pull request may
 * change bindings, services and policy and get a plan; its connection is trusted only as it
 * stands on the base commit, so a pull request cannot point a key at a host of its choosing,
 * nor move a `{ file: PATH }` reference onto another file. Pure: two cwsync.yaml documents in,
 * the keys that differ out.
 */

/**
 * The parts of cwsync.yaml that hold the connection: every top-level section but policy (the
 * billing system's, under its adapter's key, and usage:); everything under them counts unless
 * it is tuning.
 */
const NOT_CONNECTION = new Set(['policy']);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ env: NAME }` or `{ file: PATH }` is one value (a reference), named by its key, not split in two. */
const isSecretRef = (v: Record<string, unknown>) => {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
};

/** A stable text for any JSON value (object keys sorted), so equal values compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isPlainObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * Settings that change how hard cwsync works or how a billing system dates its lines, not where
 * keys go: each adapter names its own (`tuning`), and a pull request may change them.
 */
type Tuning = ReadonlySet<string>;

function collect(value: unknown, path: string, out: Map<string, string>, tuning: Tuning): void {
  if (tuning.has(path)) return;
  if (isPlainObject(value) && !isSecretRef(value) && Object.keys(value).length > 0) {
    for (const key of Object.keys(value)) collect(value[key], `${path}.${key}`, out, tuning);
    return;
  }
  out.set(path, canonical(value));
}

/**
 * The connection of a cwsync.yaml document (after the schema's defaults are filled in), as
 * dotted key -> canonical value. Unknown keys under a connection section count too: a key added
 * later is part of the connection until someone says it is tuning.
 */
export function connectionOf(document: unknown, tuning: Tuning): Map<string, string> {
  const out = new Map<string, string>();
  const doc = isPlainObject(document) ? document : {};
  for (const root of Object.keys(doc)) {
    if (NOT_CONNECTION.has(root)) continue;
    const value = doc[root];
    // A root is always a container (usage: { file: x } is not a { file: } secret reference).
    if (isPlainObject(value) && Object.keys(value).length > 0)
      for (const key of Object.keys(value)) collect(value[key], `${root}.${key}`, out, tuning);
    else out.set(root, canonical(value));
  }
  return out;
}

/**
 * The connection keys that differ between the base and the head document: changed, added or
 * removed, sorted. Only names: a value (a URL, a reference, even a secret written by mistake in
 * an invalid base) is never returned, so no message built from this can leak one.
 */
export function connectionChanges(base: unknown, head: unknown, tuning: Tuning): string[] {
  const a = connectionOf(base, tuning);
  const b = connectionOf(head, tuning);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}
