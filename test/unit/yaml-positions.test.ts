/**
 * parseYamlText keeps where each node starts, not yaml's Document (at 20,000 bindings the
 * documents of every customers file were most of the config's memory): positions must be the
 * ones the document itself gives, for every key and value, and the deepest node that exists
 * for a path that does not.
 */

import { describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type JsonPath, parseYamlText, positionOf } from '../../src/config/yaml-file.js';

const TEXT = `# a comment first
connectwise:
  url: https://example.test/api
  company: acme
  empty:
  publicKey: { env: CW_PUBLIC_KEY }
usage:
  mailprotector: { url: "https://mp.example.test", reseller: 343 }
customers:
  - { customer: "Acme Ltd", company: ACME, agreement: Email Security }
  - customer: 1234
    company: "Beta"
    agreement: { id: 17 }
    overrides:
      CloudFilter: { minimum: 5 }
      SafeSend:
        skip: true
  -
  - [nested, [list, 3]]
7: seven
true: yes
`;

/** Every path in the document, with the offsets yaml's own nodes give for its key and value. */
function expected(doc: ReturnType<typeof parseDocument>) {
  const out: Array<{ path: JsonPath; key?: number; value: number | undefined }> = [];
  const walk = (node: unknown, path: JsonPath) => {
    if (isMap(node))
      for (const p of node.items) {
        if (!isPair(p) || !isScalar(p.key)) continue;
        const child = [...path, String(p.key.value)];
        const keyAt = (p.key as Node).range?.[0];
        out.push({ path: child, key: keyAt, value: (p.value as Node | null)?.range?.[0] ?? keyAt });
        walk(p.value, child);
      }
    else if (isSeq(node))
      node.items.forEach((item, i) => {
        out.push({ path: [...path, i], value: (item as Node | null)?.range?.[0] });
        walk(item, [...path, i]);
      });
  };
  walk(doc.contents, []);
  return out;
}

describe('positions without the document', () => {
  const { file, problems } = parseYamlText(TEXT, 'customers.yaml');
  const lines = new LineCounter();
  const doc = parseDocument(TEXT, { lineCounter: lines });

  it('parses the sample', () => {
    expect(problems).toEqual([]);
    expect(file).not.toHaveProperty('doc');
  });

  it("gives every key's and value's line and column as yaml's document does", () => {
    const paths = expected(doc);
    expect(paths.length).toBeGreaterThan(30);
    for (const { path, key, value } of paths) {
      expect({ path, at: positionOf(file!, path) }).toEqual({ path, at: lines.linePos(value ?? 0) });
      if (key !== undefined)
        expect({ path, at: positionOf(file!, path, true) }).toEqual({ path, at: lines.linePos(key) });
    }
  });

  it('falls back to the deepest node that exists, and the document for nothing', () => {
    expect(positionOf(file!, ['customers', 1, 'overrides', 'Nope', 'x'])).toEqual({ line: 15, col: 7 });
    expect(positionOf(file!, ['customers', 99])).toEqual({ line: 10, col: 3 });
    expect(positionOf(file!, ['customers', 'notAnIndex'])).toEqual({ line: 10, col: 3 });
    expect(positionOf(file!, ['connectwise', 'empty', 'deeper'])).toEqual(positionOf(file!, ['connectwise', 'empty']));
    expect(positionOf(file!, [])).toEqual({ line: 2, col: 1 });
    expect(positionOf(file!, ['7'])).toEqual({ line: 20, col: 4 });
    expect(positionOf(file!, [7], true)).toEqual({ line: 20, col: 1 });
  });
});
