/**
 * ConnectWise `conditions` for the fake server: =, !=, <, <=, >, >=, like, contains, in, with
 * `not`, and/or and parentheses; "double" or 'single' quoted strings, [dates], numbers,
 * true/false/null. Field paths are case-insensitive; string comparison is too (as SQL Server's
 * default collation makes it). `like` knows only the documented wildcards, `%` and `*`.
 */

export class ConditionError extends Error {
  constructor(
    message: string,
    readonly code: 'ApiFindCondition' | 'InvalidCondition',
  ) {
    super(message);
  }
}

type Literal = string | number | boolean | null | { date: number };
export type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'cmp'; field: string; op: string; negate: boolean; value: Literal | Literal[] };

type Token = { t: 'word' | 'str' | 'num' | 'date' | 'op' | 'punct'; v: string };

type Read = { token?: Token; next: number };

const invalid = (message: string) => new ConditionError(message, 'InvalidCondition');

function readQuoted(src: string, i: number, close: string, t: 'str' | 'date', unterminated: string): Read {
  const end = src.indexOf(close, i + 1);
  if (end < 0) throw invalid(unterminated);
  return { token: { t, v: src.slice(i + 1, end) }, next: end + 1 };
}

function readOperator(src: string, i: number): Read {
  const two = src.slice(i, i + 2);
  const op = ['!=', '<=', '>=', '<>'].includes(two) ? two : src[i]!;
  if (op === '!') throw invalid('unexpected !');
  return { token: { t: 'op', v: op === '<>' ? '!=' : op }, next: i + op.length };
}

function readMatch(src: string, i: number, pattern: RegExp, t: 'num' | 'word'): Read {
  const m = pattern.exec(src.slice(i));
  if (!m) throw invalid(`unexpected ${src[i]}`);
  return { token: { t, v: m[0] }, next: i + m[0].length };
}

function readToken(src: string, i: number): Read {
  const c = src[i]!;
  if (/\s/.test(c)) return { next: i + 1 };
  if (c === '"' || c === "'") return readQuoted(src, i, c, 'str', `unterminated string starting at ${i}`);
  if (c === '[') return readQuoted(src, i, ']', 'date', 'unterminated [date]');
  if ('(),'.includes(c)) return { token: { t: 'punct', v: c }, next: i + 1 };
  if ('=!<>'.includes(c)) return readOperator(src, i);
  if (/[-\d]/.test(c)) return readMatch(src, i, /^-?\d+(\.\d+)?/, 'num');
  if (/[A-Za-z_]/.test(c)) return readMatch(src, i, /^[A-Za-z_][A-Za-z0-9_/]*/, 'word');
  throw invalid(`unexpected character ${c}`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const { token, next } = readToken(src, i);
    if (token) out.push(token);
    i = next;
  }
  return out;
}

const VALUE_HELP =
  'String values should be enclosed with double or single quotes; DateTime values should be enclosed in square brackets; numbers should consist of only digits, and optionally a decimal point and a negation sign; boolean values should be indicated with the keywords true or false; null values should be indicated by the keyword null.';

const OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'like', 'contains'];
const WORD_LITERALS = new Map<string, Literal>([
  ['true', true],
  ['false', false],
  ['null', null],
]);

function dateLiteral(text: string): Literal {
  const d = Date.parse(text);
  if (Number.isNaN(d)) throw invalid(`${text} is not a valid date`);
  return { date: d };
}

function literal(tok: Token | undefined): Literal {
  if (!tok) throw invalid(`Expected a value. ${VALUE_HELP}`);
  if (tok.t === 'str') return tok.v;
  if (tok.t === 'num') return Number(tok.v);
  if (tok.t === 'date') return dateLiteral(tok.v);
  const word = tok.t === 'word' ? tok.v.toLowerCase() : '';
  if (WORD_LITERALS.has(word)) return WORD_LITERALS.get(word)!;
  throw invalid(`Unexpected ${tok.v}. ${VALUE_HELP}`);
}

/** A field path, lowercased; one the records do not have is ConnectWise's ApiFindCondition. */
function fieldName(tok: Token | undefined, knownFields: ReadonlySet<string>): string {
  if (tok?.t !== 'word') throw invalid(`expected a field name at ${tok?.v ?? 'end'}`);
  const field = tok.v.toLowerCase();
  if (!knownFields.has(field)) throw new ConditionError(`${tok.v} is not a recognized name.`, 'ApiFindCondition');
  return field;
}

export function parseConditions(src: string, knownFields: ReadonlySet<string>): Node {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const word = (w: string) => peek()?.t === 'word' && peek()!.v.toLowerCase() === w;
  const expect = (v: string) => {
    if (peek()?.v !== v) throw invalid(`expected ${v}`);
    pos++;
  };

  const value = (): Literal => literal(tokens[pos++]);

  const inList = (): Literal[] => {
    expect('(');
    const values: Literal[] = [value()];
    while (peek()?.v === ',') {
      pos++;
      values.push(value());
    }
    expect(')');
    return values;
  };

  const comparison = (): Node => {
    const field = fieldName(tokens[pos++], knownFields);
    const negate = word('not');
    if (negate) pos++;
    const opTok = tokens[pos++];
    if (!opTok) throw invalid('expected an operator');
    const op = opTok.t === 'op' ? opTok.v : opTok.v.toLowerCase();
    if (op === 'in') return { kind: 'cmp', field, op, negate, value: inList() };
    if (!OPERATORS.includes(op)) throw invalid(`unknown operator ${opTok.v}`);
    return { kind: 'cmp', field, op, negate, value: value() };
  };

  const unary = (): Node => {
    if (peek()?.v === '(') {
      pos++;
      const inner = orExpr();
      expect(')');
      return inner;
    }
    return comparison();
  };
  const andExpr = (): Node => {
    let left = unary();
    while (word('and')) {
      pos++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const orExpr = (): Node => {
    let left = andExpr();
    while (word('or')) {
      pos++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const tree = orExpr();
  if (pos < tokens.length) throw invalid(`unexpected ${tokens[pos]!.v}`);
  return tree;
}

export function getPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const seg of path.split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = Object.keys(cur).find((k) => k.toLowerCase() === seg.toLowerCase());
    cur = key === undefined ? undefined : (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** `%` and `*` are the documented wildcards; `_` is undocumented, so here it is a plain character. */
function likeToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/[%*]/g, '.*');
  return new RegExp(`^${body}$`, 'is');
}

const isNullish = (v: unknown) => v === null || v === undefined;

/** Only = and != mean anything against null. */
function compareToNull(actual: unknown, op: string): boolean {
  if (op === '=') return isNullish(actual);
  if (op === '!=') return !isNullish(actual);
  return false;
}

function compareDates(actual: unknown, expected: number, op: string): boolean {
  const t = typeof actual === 'string' ? Date.parse(actual) : NaN;
  return Number.isNaN(t) ? false : order(t, expected, op);
}

function compare(actual: unknown, op: string, expected: Literal): boolean {
  if (expected === null) return compareToNull(actual, op);
  if (isNullish(actual)) return op === '!=';
  if (typeof expected === 'object') return compareDates(actual, expected.date, op);
  if (op === 'like') return likeToRegExp(String(expected)).test(String(actual));
  if (op === 'contains') return String(actual).toLowerCase().includes(String(expected).toLowerCase());
  if (typeof expected === 'string') return order(String(actual).toLowerCase(), expected.toLowerCase(), op);
  if (typeof expected === 'boolean') return order(actual ? 1 : 0, expected ? 1 : 0, op);
  return order(Number(actual), expected, op);
}

function order<T extends string | number>(a: T, b: T, op: string): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

export function evaluate(node: Node, record: unknown): boolean {
  if (node.kind !== 'cmp')
    return node.kind === 'and'
      ? evaluate(node.left, record) && evaluate(node.right, record)
      : evaluate(node.left, record) || evaluate(node.right, record);
  const actual = getPath(record, node.field);
  const result = Array.isArray(node.value)
    ? node.value.some((v) => compare(actual, '=', v))
    : compare(actual, node.op, node.value);
  return node.negate ? !result : result;
}

/**
 * Every path in a sample record ("company/id"), lowercased: the fields conditions may name.
 * Child collections (a company's `types`) are left out: ConnectWise wants them in
 * `childConditions`, and answers 400 "not a recognized name" in `conditions`.
 */
export function fieldsOf(
  sample: Record<string, unknown>,
  extra: string[] = [],
  childCollections: string[] = [],
): Set<string> {
  const out = new Set(extra.map((f) => f.toLowerCase()));
  const skip = new Set(childCollections.map((c) => c.toLowerCase()));
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const p = `${prefix}${k}`.toLowerCase();
      if (skip.has(p)) continue;
      out.add(p);
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${p}/`);
    }
  };
  walk(sample, '');
  return out;
}

/** A `childConditions` tree on one child collection: true when any of the record's children matches. */
export function evaluateChildren(node: Node, record: Record<string, unknown>, collection: string): boolean {
  const children = getPath(record, collection);
  if (!Array.isArray(children)) return false;
  return children.some((child) => evaluate(node, { [collection]: child }));
}
