/** The plan as JSON, format version 1 (SPEC section 5), with its keys in the documented order. */
import type { Plan } from '../reconcile/types.js';
import { escapeJsonText } from '../text-hygiene.js';

function ordered(plan: Plan): Plan {
  return {
    formatVersion: plan.formatVersion,
    createdAt: plan.createdAt,
    source: plan.source,
    fingerprint: plan.fingerprint,
    summary: plan.summary,
    actions: plan.actions,
    conflicts: plan.conflicts,
    warnings: plan.warnings,
    errors: plan.errors,
    held: plan.held,
    usage: plan.usage,
    ...(plan.target ? { target: plan.target } : {}),
    scope: plan.scope,
    safety: plan.safety,
    notBilled: plan.notBilled,
    unmanaged: plan.unmanaged ?? [],
    observed: plan.observed,
    // Last: what the actions follow from, for apply --plan to recompute them (long; read by machines).
    ...(plan.inputs ? { inputs: plan.inputs } : {}),
  };
}

export function renderJson(plan: Plan): string {
  // The same data, with bidi and other hidden characters as JSON escapes, so printing it is safe.
  return `${escapeJsonText(JSON.stringify(ordered(plan), null, 2))}\n`;
}

/**
 * The text of renderJson in pieces (joined, exactly the same), so a large plan is written to
 * its file without being held whole: at 20,000 customers the text is about 40 MB, and holding
 * it, its flattened copy and the bytes written was most of the plan's peak memory.
 */
export function* renderJsonPieces(plan: Plan): Generator<string> {
  // Split: the plan, its lists and inputs (and inputs' lists), each list into its entries; an entry is whole.
  for (const piece of pieces(ordered(plan), '', 3)) yield escapeJsonText(piece);
  yield '\n';
}

/** What JSON.stringify leaves out of an object, and writes as null in an array. */
const unwritable = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * JSON.stringify(value, null, 2) with every line after the first indented by `indent` (an even
 * number of spaces): the value written inside as many arrays as that indents it, and the
 * wrapping cut off (a slice, not a copy of the text made again with each line indented).
 */
function indented(value: unknown, indent: string): string {
  const depth = indent.length / 2;
  let wrapped: unknown = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const [before, after] = wrapping(depth);
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(before, text.length - after);
}

/** How many characters the arrays that indent a value `depth` levels take before and after it. */
const wrappings = new Map<number, readonly [number, number]>();
function wrapping(depth: number): readonly [number, number] {
  let known = wrappings.get(depth);
  if (!known) {
    let marker: unknown = 0;
    for (let i = 0; i < depth; i++) marker = [marker];
    const around = JSON.stringify(marker, null, 2);
    const before = around.indexOf('0');
    known = [before, around.length - before - 1];
    wrappings.set(depth, known);
  }
  return known;
}

/** JSON.stringify(value, null, 2) at `indent`, in pieces, containers split `depth` levels down. */
function* pieces(value: unknown, indent: string, depth: number): Generator<string> {
  // A list's entries are pieces (one action, one binding's inputs); an entry that is a record
  // is whole, not a piece per field (a generator step each, for some 50,000 entries at 20,000).
  const split =
    depth > 0 &&
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function' &&
    (depth > 1 || Array.isArray(value));
  if (!split) {
    yield indented(value, indent);
    return;
  }
  const inner = `${indent}  `;
  const list = Array.isArray(value);
  const entries: Array<[string | null, unknown]> = list
    ? value.map((v): [null, unknown] => [null, v])
    : Object.entries(value).filter(([, v]) => !unwritable(v));
  const [open, close] = list ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    yield `${open}${close}`;
    return;
  }
  yield `${open}\n`;
  for (const [i, [key, v]] of entries.entries()) {
    yield key === null ? inner : `${inner}${JSON.stringify(key)}: `;
    if (unwritable(v)) yield 'null';
    else yield* pieces(v, inner, depth - 1);
    yield i < entries.length - 1 ? ',\n' : `\n${indent}${close}`;
  }
}
