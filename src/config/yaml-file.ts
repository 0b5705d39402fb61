/**
 * Reads one YAML (or JSON) file keeping source positions, so that every later problem can be
 * reported as file:line:col. Hostile input is refused: anything but a regular file, oversized
 * files, NUL bytes and bytes that are not UTF-8, nesting deeper than any config needs (deep
 * nesting overflows the parser's stack, and after that V8 can abort the whole process), custom
 * tags, and alias expansion beyond a small limit ("billion laughs").
 */
import {
  Composer,
  type CST,
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Parser,
  visit,
  YAMLParseError,
} from 'yaml';
import type { Problem } from '../errors.js';
import { isUnsafeInteger, SAFE_LIMIT } from '../safe-integer.js';
import { decodeText, notTextMessage, positionOfByte, readFileSafely, UnsafeFileError } from './safe-file.js';

export const MAX_FILE_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;
/** Config files are a few levels deep; a usage snapshot six. */
const MAX_DEPTH = 64;

export type JsonPath = ReadonlyArray<string | number>;

export interface YamlFile {
  /** The path as shown to users. */
  display: string;
  /** Where each node starts: what positions need of the parsed document, which is let go. */
  places: Place | null;
  lines: LineCounter;
  data: unknown;
}

/**
 * Where one node starts, and its children's places: a mapping's by key (the first pair with a
 * scalar key of that text, as a lookup in the document finds), a sequence's by index. The
 * document itself holds every node's tokens and source; at 20,000 bindings, kept for every
 * customers file until the config is built, it was most of the memory the process ever took.
 */
interface Place {
  at: number | undefined;
  keys?: Array<[key: string, keyAt: number | undefined, value: Place | null]>;
  items?: Array<Place | null>;
}

/** The places of a composed node and everything under it (depth already bounded by MAX_DEPTH). */
function placesOf(node: unknown): Place | null {
  if (!node) return null;
  const at = (node as Node).range?.[0];
  if (isMap(node)) {
    const keys: NonNullable<Place['keys']> = [];
    for (const p of node.items)
      if (isPair(p) && isScalar(p.key)) keys.push([String(p.key.value), (p.key as Node).range?.[0], placesOf(p.value)]);
    return { at, keys };
  }
  if (isSeq(node)) return { at, items: node.items.map(placesOf) };
  return { at };
}

export interface YamlReadOptions {
  /** The file must resolve inside this directory (files the config names). */
  within?: string;
  maxBytes?: number;
  /**
   * Whether messages may quote the file's text (a key, a token). True for the YAML config
   * being validated; false for data files such as a usage snapshot, whose messages then give
   * only positions and kinds of error.
   */
  quote?: boolean;
  /** Shown with a too-large file. */
  sizeHint?: string;
}

export function loadYamlFile(
  absPath: string,
  display: string,
  options: YamlReadOptions = {},
): { file?: YamlFile; problems: Problem[] } {
  const read = readTextFile(absPath, display, options);
  return 'text' in read ? parseYamlText(read.text, display, options) : read;
}

function problemAtPos(display: string) {
  return (line: number, col: number, message: string, hint?: string): Problem => ({
    file: display,
    line,
    col,
    message,
    ...(hint ? { hint } : {}),
  });
}

/** Reads a file safely and decodes it as UTF-8 text, or says why not (with a position when there is one). */
export function readTextFile(
  absPath: string,
  display: string,
  options: YamlReadOptions = {},
): { text: string } | { problems: Problem[] } {
  const at = problemAtPos(display);
  let bytes: Buffer;
  try {
    const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
    bytes = readFileSafely(absPath, { maxBytes, display, ...(options.within ? { within: options.within } : {}) });
  } catch (err) {
    if (!(err instanceof UnsafeFileError)) throw err;
    const big = err.reason.includes('the limit is');
    const reason = big ? `file ${err.reason}` : err.reason;
    return { problems: [at(1, 1, reason, big ? (options.sizeHint ?? err.hint) : err.hint)] };
  }
  const decoded = decodeText(bytes);
  if ('notText' in decoded) {
    const { line, col } = positionOfByte(bytes, decoded.notText.offset);
    const { message, hint } = notTextMessage(bytes, decoded.notText);
    return { problems: [at(line, col, `file ${message}`, hint)] };
  }
  return { text: decoded.text };
}

/** Parses YAML (or JSON) text with positions, refusing what is hostile. */
export function parseYamlText(
  text: string,
  display: string,
  options: Pick<YamlReadOptions, 'quote'> = {},
): { file?: YamlFile; problems: Problem[] } {
  const quote = options.quote ?? true;
  const at = problemAtPos(display);
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const posOf = (offset: number) => lines.linePos(offset);
  const deep = deepestOffset(tokens, MAX_DEPTH);
  if (deep !== undefined) {
    const { line, col } = posOf(deep);
    return {
      problems: [
        at(line, col, `nested deeper than ${MAX_DEPTH} levels`, 'config files are a few levels deep; check the file'),
      ],
    };
  }
  const version = versionDirective(tokens);
  if (version) {
    const { line, col } = posOf(version.offset);
    return {
      problems: [
        at(
          line,
          col,
          quote
            ? `"${version.source.trim()}": only YAML 1.2 is read`
            : 'only YAML 1.2 is read (a %YAML directive names another version)',
          'remove the %YAML line: config is YAML 1.2 (core schema), where 070 is the number 70 and 1:20 is text',
        ),
      ],
    };
  }
  const doc = composeOne(tokens, text.length);
  if (!doc) return { problems: [at(1, 1, 'file is empty')] };

  const problems: Problem[] = doc.errors.map((e) => {
    const { line, col } = posOf(e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') {
      const hint = 'a key may appear only once in a mapping; merge the two or remove one';
      return at(line, col, quote ? `duplicate key "${keyTextAt(text, e.pos[0])}"` : 'duplicate key', hint);
    }
    if (e.code === 'RESOURCE_EXHAUSTION') return at(line, col, 'refused: the file is too complex to read');
    return at(
      line,
      col,
      `YAML syntax error: ${quote ? firstLine(e.message) : e.code.toLowerCase().replace(/_/g, ' ')}`,
    );
  });
  problems.push(...unsafeIntegers(doc, text, at, posOf, quote));
  visit(doc, {
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      const range = (node as { range?: [number, number, number] }).range;
      // The parser sets a tag only where the source wrote one explicitly.
      if (tag && range) {
        // The node's range starts at its value; point at the tag itself, written before it.
        let bang = text.lastIndexOf('!', range[0]);
        while (bang > 0 && text[bang - 1] === '!') bang--;
        const { line, col } = posOf(bang >= 0 && !text.slice(bang, range[0]).includes('\n') ? bang : range[0]);
        const shown = tag.replace(/^tag:yaml\.org,2002:/, '!!');
        problems.push(
          at(
            line,
            col,
            quote ? `custom tag "${shown}" is not allowed` : 'custom tags are not allowed',
            'write plain YAML values; tags are refused for safety',
          ),
        );
      }
    },
  });
  if (problems.length > 0) return { problems };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const alias = firstAliasOffset(doc);
    const { line, col } = posOf(alias);
    const why = e instanceof Error ? e.message : String(e);
    const unresolved = why.startsWith('Unresolved alias');
    return {
      problems: [
        unresolved
          ? at(line, col, 'an alias refers to an anchor that is not defined before it', 'define the &anchor first')
          : at(
              line,
              col,
              `refused: aliases expand past the limit of ${MAX_ALIAS_COUNT}`,
              'write the values out instead of nesting aliases',
            ),
      ],
    };
  }
  return { file: { display, places: placesOf(doc.contents), lines, data }, problems: [] };
}

/**
 * Integers beyond 2^53: the parser reads 9007199254740993 as 9007199254740992 without a word,
 * so an override, a limit or an id that large would be another number. Refused at its place.
 */
function unsafeIntegers(
  doc: Document.Parsed,
  text: string,
  at: ReturnType<typeof problemAtPos>,
  posOf: (offset: number) => { line: number; col: number },
  quote: boolean,
): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (!isUnsafeInteger(node.value) || !node.range) return;
      const { line, col } = posOf(node.range[0]);
      const source = text.slice(node.range[0], node.range[1]).trim();
      problems.push(
        at(
          line,
          col,
          quote
            ? `the number ${source} is beyond ${SAFE_LIMIT}: it cannot be read exactly`
            : `a number beyond ${SAFE_LIMIT}: it cannot be read exactly`,
          'counts, ids and limits are whole numbers below 2^53; write the number that is meant',
        ),
      );
    },
  });
  return problems;
}

/**
 * A %YAML directive naming any version but 1.2. The parser honours `%YAML 1.1`, and YAML 1.1
 * reads 070 as octal 56 and 1:20 as the sexagesimal 80: a config must mean what it says.
 */
function versionDirective(tokens: CST.Token[]): { offset: number; source: string } | undefined {
  for (const t of tokens)
    if (t.type === 'directive' && /^%YAML\b/.test(t.source) && !/^%YAML[ \t]+1\.2[ \t]*(#.*)?$/.test(t.source.trim()))
      return { offset: t.offset, source: t.source };
  return undefined;
}

/** Composes the first document, as parseDocument does, from tokens already checked for depth. */
function composeOne(tokens: CST.Token[], length: number): Document.Parsed | undefined {
  const composer = new Composer({ uniqueKeys: true, prettyErrors: false, strict: true });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (!doc) {
      doc = next;
      continue;
    }
    const range = next.range.slice(0, 2) as [number, number];
    doc.errors.push(
      new YAMLParseError(range, 'MULTIPLE_DOCS', 'the file holds more than one document (a second "---")'),
    );
    break;
  }
  return doc;
}

/** A collection's keys and values, in order; nothing for a scalar. */
function childrenOf(token: CST.Token): CST.Token[] {
  if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') return [];
  return (token.items as CST.CollectionItem[]).flatMap((item) =>
    [item.key, item.value].filter((t): t is CST.Token => Boolean(t)),
  );
}

/** The offset of the first node nested deeper than `limit`, walking the CST without recursion. */
function deepestOffset(tokens: CST.Token[], limit: number): number | undefined {
  const stack: Array<[CST.Token, number]> = [];
  for (const t of tokens) if (t.type === 'document' && t.value) stack.push([t.value, 1]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (depth > limit) return token.offset;
    for (const child of childrenOf(token)) stack.push([child, depth + 1]);
  }
  return undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function keyTextAt(text: string, offset: number): string {
  const m = /^\s*["']?([^:"'\n]+)/.exec(text.slice(offset));
  return m?.[1]?.trim() ?? '?';
}

function firstAliasOffset(doc: Document.Parsed): number {
  let offset = 0;
  visit(doc, {
    Alias(_k, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** One step along a path: the child and where it starts; `done` when the path ends at a key. */
type PathStep = { place: Place | null; offset: number | undefined; done?: boolean };

function pathStep(place: Place | null, seg: string | number, atKey: boolean): PathStep | undefined {
  if (place?.keys) {
    const entry = place.keys.find(([key]) => key === String(seg));
    if (!entry) return undefined;
    const [, keyAt, value] = entry;
    if (atKey) return { place: value, offset: keyAt, done: true };
    return { place: value, offset: value?.at ?? keyAt };
  }
  if (!place?.items || typeof seg !== 'number') return undefined;
  const item = place.items[seg];
  return item ? { place: item, offset: item.at } : undefined;
}

/**
 * The line and column of the thing at `path`: the value by default, or the key when `key` is
 * true (used for "unknown key" problems). Falls back to the deepest node that exists.
 */
export function positionOf(file: YamlFile, path: JsonPath, key = false): { line: number; col: number } {
  let place = file.places;
  let offset = place?.at ?? 0;
  for (let i = 0; i < path.length; i++) {
    const step = pathStep(place, path[i]!, key && i === path.length - 1);
    if (!step) break;
    offset = step.offset ?? offset;
    if (step.done) break;
    place = step.place;
  }
  return file.lines.linePos(offset);
}

export function problemAt(file: YamlFile, path: JsonPath, message: string, hint?: string, key = false): Problem {
  const { line, col } = positionOf(file, path, key);
  return { file: file.display, line, col, message, ...(hint ? { hint } : {}) };
}

/** `connectwise.publicKey`, `customers[2].company`: how a path reads in a message. */
export function pathText(path: JsonPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || 'the document';
}
