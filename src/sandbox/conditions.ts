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

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ConditionError(`unterminated string starting at ${i}`, 'InvalidCondition');
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '[') {
      const end = src.indexOf(']', i);
      if (end < 0) throw new ConditionError('unterminated [date]', 'InvalidCondition');
      out.push({ t: 'date', v: src.slice(i + 1, end) });
      i = end + 1;
    } else if ('(),'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = src.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>'].includes(two) ? two : c;
      if (op === '!') throw new ConditionError('unexpected !', 'InvalidCondition');
      out.push({ t: 'op', v: op === '<>' ? '!=' : op });
      i += op.length;
    } else if (/[-\d]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw new ConditionError(`unexpected ${c}`, 'InvalidCondition');
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_/]*/.exec(src.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else {
      throw new ConditionError(`unexpected character ${c}`, 'InvalidCondition');
    }
  }
  return out;
}

const VALUE_HELP =
  'String values should be enclosed with double or single quotes; DateTime values should be enclosed in square brackets; numbers should consist of only digits, and optionally a decimal point and a negation sign; boolean values should be indicated with the keywords true or false; null values should be indicated by the keyword null.';

export function parseConditions(src: string, knownFields: ReadonlySet<string>): Node {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const word = (w: string) => peek()?.t === 'word' && peek()!.v.toLowerCase() === w;
  const expect = (v: string) => {
    if (peek()?.v !== v) throw new ConditionError(`expected ${v}`, 'InvalidCondition');
    pos++;
  };

  const value = (): Literal => {
    const tok = tokens[pos++];
    if (!tok) throw new ConditionError(`Expected a value. ${VALUE_HELP}`, 'InvalidCondition');
    if (tok.t === 'str') return tok.v;
    if (tok.t === 'num') return Number(tok.v);
    if (tok.t === 'date') {
      const d = Date.parse(tok.v);
      if (Number.isNaN(d)) throw new ConditionError(`${tok.v} is not a valid date`, 'InvalidCondition');
      return { date: d };
    }
    if (tok.t === 'word') {
      const w = tok.v.toLowerCase();
      if (w === 'true' || w === 'false') return w === 'true';
      if (w === 'null') return null;
    }
    throw new ConditionError(`Unexpected ${tok.v}. ${VALUE_HELP}`, 'InvalidCondition');
  };

  const comparison = (): Node => {
    const tok = tokens[pos++];
    if (tok?.t !== 'word') throw new ConditionError(`expected a field name at ${tok?.v ?? 'end'}`, 'InvalidCondition');
    const field = tok.v.toLowerCase();
    if (!knownFields.has(field)) throw new ConditionError(`${tok.v} is not a recognized name.`, 'ApiFindCondition');
    let negate = false;
    if (word('not')) {
      negate = true;
      pos++;
    }
    const opTok = tokens[pos++];
    if (!opTok) throw new ConditionError('expected an operator', 'InvalidCondition');
    const op = opTok.t === 'op' ? opTok.v : opTok.v.toLowerCase();
    if (op === 'in') {
      expect('(');
      const values: Literal[] = [value()];
      while (peek()?.v === ',') {
        pos++;
        values.push(value());
      }
      expect(')');
      return { kind: 'cmp', field, op, negate, value: values };
    }
    if (!['=', '!=', '<', '<=', '>', '>=', 'like', 'contains'].includes(op))
      throw new ConditionError(`unknown operator ${opTok.v}`, 'InvalidCondition');
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
  if (pos < tokens.length) throw new ConditionError(`unexpected ${tokens[pos]!.v}`, 'InvalidCondition');
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

function compare(actual: unknown, op: string, expected: Literal): boolean {
  if (expected === null) {
    const isNull = actual === null || actual === undefined;
    if (op === '=') return isNull;
    if (op === '!=') return !isNull;
    return false;
  }
  if (actual === null || actual === undefined) return op === '!=';
  if (typeof expected === 'object') {
    const t = typeof actual === 'string' ? Date.parse(actual) : NaN;
    return Number.isNaN(t) ? false : order(t, expected.date, op);
  }
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
