/**
 * A summary of what a server sent, for error messages and `doctor --shapes`: the structure
 * (list or object, keys, value types), never a value. Safe to print: it cannot carry a secret
 * or a record's content, only key names, which belong to the API's schema.
 */

const MAX_KEYS = 12;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

/** e.g. `list of 3 objects {id: number, name: string}`, `object {error: string}`, `string`. */
export function describeShape(value: unknown, depth = 1): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return 'empty list';
    const kinds = [...new Set(value.map(typeOf))];
    const first = value.find((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    const inner = kinds.length === 1 && kinds[0] === 'object' && first ? ` ${keysOf(first, depth)}` : '';
    return `list of ${value.length} ${kinds.join('/')}${value.length === 1 ? '' : 's'}${inner}`;
  }
  if (value !== null && typeof value === 'object') return `object ${keysOf(value as Record<string, unknown>, depth)}`;
  return typeOf(value);
}

function keysOf(obj: Record<string, unknown>, depth: number): string {
  const keys = Object.keys(obj);
  const shown = keys.slice(0, MAX_KEYS).map((k) => {
    const v = obj[k];
    const t = depth > 0 && v !== null && typeof v === 'object' ? describeShape(v, depth - 1) : typeOf(v);
    return `${safeKey(k)}: ${t}`;
  });
  return `{${shown.join(', ')}${keys.length > MAX_KEYS ? `, +${keys.length - MAX_KEYS} more` : ''}}`;
}

/** Keys are schema, not data, but a hostile server could put anything there: keep them short and printable. */
function safeKey(k: string): string {
  const clean = k.replace(/[^\w.$-]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

function typeAndSize(contentType: string | null, bytes?: number): string {
  const type = contentType
    ? contentType
        .split(';')[0]!
        .trim()
        .replace(/[^\w.+/-]/g, '?')
        .slice(0, 60) || 'no content type'
    : 'no content type';
  return `${type}${bytes === undefined ? '' : `, ${bytes} bytes`}`;
}

/** What the transport knows of an answer: enough to describe it, never its raw text. */
export interface AnswerFacts {
  status: number;
  headers: Headers;
  body: unknown;
  bytes: number;
  /** How the body read: JSON, empty, or text that is not JSON. */
  format: 'json' | 'empty' | 'not-json';
}

/** What came back, for an error naming a call and for `doctor --shapes`: status, content type, size and shape; never raw content. */
export function describeAnswer(res: AnswerFacts): string {
  return `HTTP ${res.status} ${describeBody(res)}`;
}

/** The body of an answer without its status: `text/html, 5120 bytes: a body that is not JSON`. */
export function describeBody(res: AnswerFacts): string {
  const shape =
    res.format === 'empty'
      ? 'an empty body'
      : res.format === 'not-json'
        ? 'a body that is not JSON'
        : describeShape(res.body);
  return `${typeAndSize(res.headers.get('content-type'), res.bytes)}: ${shape}`;
}

/**
 * The kinds a field may have. `integer` is a number with no fraction; `absent` allows the key
 * to be missing (the API may omit unset fields, or null them).
 */
type Kind = 'integer' | 'number' | 'string' | 'boolean' | 'object' | 'list' | 'null' | 'absent' | typeof UNSAFE;

/**
 * An integer beyond 2^53 is no kind a field may have: JSON.parse has already made it another
 * number, so an id or a quantity that large would be compared, billed or written as that.
 */
const UNSAFE = 'an integer beyond 2^53';

/** The fields an adapter uses from one kind of record, by path (`product/id`), with their kinds. */
export interface RecordSpec {
  /** In words, singular and plural: 'addition', 'additions'. */
  noun: string;
  plural: string;
  fields: Readonly<Record<string, readonly Kind[]>>;
}

// Shared, never changed: checking a record allocates nothing when it is as expected (at 20,000
// customers every answer's every record is checked, and this was a fifth of the plan's garbage).
const ABSENT: readonly Kind[] = ['absent'];
const NULL: readonly Kind[] = ['null'];
const LIST: readonly Kind[] = ['list'];
const NUMBER: readonly Kind[] = ['number'];
const INTEGER: readonly Kind[] = ['integer', 'number'];
const UNSAFE_NUMBER: readonly Kind[] = [UNSAFE];
const STRING: readonly Kind[] = ['string'];
const BOOLEAN: readonly Kind[] = ['boolean'];
const OBJECT: readonly Kind[] = ['object'];

function kindsOf(value: unknown): readonly Kind[] {
  if (value === undefined) return ABSENT;
  if (value === null) return NULL;
  if (Array.isArray(value)) return LIST;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return NUMBER;
    return Number.isSafeInteger(value) ? INTEGER : UNSAFE_NUMBER;
  }
  if (typeof value === 'string') return STRING;
  if (typeof value === 'boolean') return BOOLEAN;
  return OBJECT;
}

function atSegments(record: unknown, segments: readonly string[]): unknown {
  let cur = record;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = Object.hasOwn(cur, seg) ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return cur;
}

const at = (record: unknown, path: string) => atSegments(record, path.split('/'));

type Field = { path: string; segments: string[]; allowed: readonly Kind[] };
const fieldsBySpec = new WeakMap<RecordSpec, Field[]>();

/** A spec's fields with their paths split, once per spec. */
function fieldsOf(spec: RecordSpec): Field[] {
  let fields = fieldsBySpec.get(spec);
  if (!fields) {
    fields = Object.entries(spec.fields).map(([path, allowed]) => ({ path, segments: path.split('/'), allowed }));
    fieldsBySpec.set(spec, fields);
  }
  return fields;
}

/** Whether a value of these kinds is one the field allows. */
function fits(got: readonly Kind[], allowed: readonly Kind[]): boolean {
  for (const k of got) if (allowed.includes(k)) return true;
  return false;
}

/** What is wrong with one record, field by field: kinds only, never a value. */
function fieldProblems(record: unknown, spec: RecordSpec): readonly string[] {
  if (record === null || typeof record !== 'object' || Array.isArray(record))
    return [`is ${record === undefined ? 'missing' : record === null ? 'null' : `a ${typeOf(record)}`}, not an object`];
  const problems: string[] = [];
  for (const { path, segments, allowed } of fieldsOf(spec)) {
    const got = kindsOf(atSegments(record, segments));
    if (!fits(got, allowed))
      problems.push(`${path} is ${got[0]}, expected ${allowed.filter((k) => k !== 'absent').join(' or ')}`);
  }
  return problems.length === 0 ? NO_PROBLEMS : problems;
}

const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/** The fields of a spec in words: `id: integer, product/id: integer, quantity: number`. */
function describeSpec(spec: RecordSpec): string {
  return Object.entries(spec.fields)
    .filter(([, kinds]) => !kinds.includes('absent'))
    .map(([path, kinds]) => `${path}: ${kinds.join('|')}`)
    .join(', ');
}

/** A checked answer: its value, or what was expected and which part of it is wrong (for NotUnderstood). */
export type Checked<T> = { ok: true; value: T } | { ok: false; expected: string; why?: string };

/** A JSON list of records that each carry the spec's fields, or what is wrong with it. */
export function checkList<T>(res: AnswerFacts, spec: RecordSpec): Checked<T[]> {
  if (res.format !== 'json' || !Array.isArray(res.body))
    return { ok: false, expected: `a JSON list of ${spec.plural}` };
  const bad: string[] = [];
  let count = 0;
  res.body.forEach((row, i) => {
    const problems = fieldProblems(row, spec);
    if (problems.length === 0) return;
    count++;
    if (bad.length < 3) bad.push(`item ${i + 1} ${problems.join('; ')}`);
  });
  if (count === 0) return { ok: true, value: res.body as T[] };
  return {
    ok: false,
    expected: `a list of ${spec.plural} with ${describeSpec(spec)}`,
    why: `${bad.join('; ')}${count > bad.length ? `; and ${count - bad.length} more` : ''}`,
  };
}

/** One JSON record carrying the spec's fields, or what is wrong with it. */
export function checkRecord<T>(res: AnswerFacts, spec: RecordSpec): Checked<T> {
  if (res.format !== 'json') return { ok: false, expected: `a JSON ${spec.noun}` };
  const problems = fieldProblems(res.body, spec);
  if (problems.length === 0) return { ok: true, value: res.body as T };
  return {
    ok: false,
    expected: `${a(spec.noun)} with ${describeSpec(spec)}`,
    why: problems.map((p) => (p.startsWith('is ') ? `it ${p}` : p)).join('; '),
  };
}

const a = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;

/**
 * One endpoint in `cwsync doctor --shapes`: the shape of one real answer and which of the
 * adapter's assumptions it confirms or contradicts. Every string is built from key names,
 * kinds and header names: never a value, so the row can be pasted into a bug report.
 */
export interface ShapeRow {
  /** `GET /finance/agreements/{id}/additions` */
  endpoint: string;
  /** `HTTP 200 application/json, 512 bytes: list of 1 object {id: number, ...}` */
  shape: string;
  /** Paging headers present, by name and relation: `link (rel next)`, `link (empty)`. */
  headers: string[];
  confirms: string[];
  differs: string[];
}

/** A row for one endpoint's answer, with nothing confirmed or contradicted yet. */
export function shapeRow(endpoint: string, res: AnswerFacts, headers: string[]): ShapeRow {
  return { endpoint, shape: describeAnswer(res), headers, confirms: [], differs: [] };
}

/** Each field of a spec against one record: confirmed as `path is kind`, or what differs. */
export function fieldFindings(record: unknown, spec: RecordSpec): { confirms: string[]; differs: string[] } {
  const confirms: string[] = [];
  const differs: string[] = [];
  for (const [path, allowed] of Object.entries(spec.fields)) {
    const single: RecordSpec = { ...spec, fields: { [path]: allowed } };
    const problems = fieldProblems(record, single);
    if (problems.length === 0) confirms.push(`${path} is ${kindsOf(at(record, path))[0]}`);
    else differs.push(...problems);
  }
  return { confirms, differs };
}
