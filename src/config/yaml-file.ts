/**
 * Reads one YAML (or JSON) file keeping source positions, so that every later problem can be
 * reported as file:line:col. Hostile input is refused: oversized files, custom tags, and alias
 * expansion beyond a small limit ("billion laughs").
 */
import { readFileSync, statSync } from 'node:fs';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { Problem } from '../errors.js';

export const MAX_FILE_BYTES = 1024 * 1024;
export const MAX_ALIAS_COUNT = 100;

export type JsonPath = ReadonlyArray<string | number>;

export interface YamlFile {
  /** The path as shown to users. */
  display: string;
  doc: Document.Parsed;
  lines: LineCounter;
  data: unknown;
}

export function loadYamlFile(absPath: string, display: string): { file?: YamlFile; problems: Problem[] } {
  const at = (line: number, col: number, message: string, hint?: string): Problem => ({
    file: display,
    line,
    col,
    message,
    ...(hint ? { hint } : {}),
  });
  let size: number;
  try {
    size = statSync(absPath).size;
  } catch {
    return { problems: [at(1, 1, 'file not found or not readable')] };
  }
  if (size > MAX_FILE_BYTES) {
    return {
      problems: [
        at(
          1,
          1,
          `file is ${size} bytes; the limit is ${MAX_FILE_BYTES}`,
          'split customers into customers/*.yaml files',
        ),
      ],
    };
  }
  const text = readFileSync(absPath, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  const posOf = (offset: number) => lines.linePos(offset);

  const problems: Problem[] = doc.errors.map((e) => {
    const { line, col } = posOf(e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') {
      const key = keyTextAt(text, e.pos[0]);
      return at(
        line,
        col,
        `duplicate key "${key}"`,
        'a key may appear only once in a mapping; merge the two or remove one',
      );
    }
    return at(line, col, `YAML syntax error: ${firstLine(e.message)}`);
  });
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
          at(line, col, `custom tag "${shown}" is not allowed`, 'write plain YAML values; tags are refused for safety'),
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
    return {
      problems: [
        at(
          line,
          col,
          `refused: ${why.includes('alias') ? `aliases expand past the limit of ${MAX_ALIAS_COUNT}` : why}`,
          'write the values out instead of nesting aliases',
        ),
      ],
    };
  }
  return { file: { display, doc, lines, data }, problems: [] };
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

/**
 * The line and column of the thing at `path`: the value by default, or the key when `key` is
 * true (used for "unknown key" problems). Falls back to the deepest node that exists.
 */
export function positionOf(file: YamlFile, path: JsonPath, key = false): { line: number; col: number } {
  let node: unknown = file.doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node;
      const valueNode = pair.value as Node | null;
      if (last && key) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
      offset = valueNode?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
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
