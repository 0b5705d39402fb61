/**
 * Code shape kept true (STYLE.md, issue 21): small files in src/. Function size is Biome's
 * noExcessiveCognitiveComplexity (biome.json) and unused exports are knip's (knip.json), both
 * run by `npm test`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Lines as an editor shows them: a last line without a newline counts too. */
const lineCount = (text: string) => (text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0));

describe('file size', () => {
  it(`no file in src/ is over ${MAX_LINES} lines`, () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const over = files
      .map((f) => ({ file: relative(SRC, f), lines: lineCount(readFileSync(f, 'utf8')) }))
      .filter((f) => f.lines > MAX_LINES);
    expect(over).toEqual([]);
  });

  it('counts lines as an editor shows them, a last line without a newline included', () => {
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount('')).toBe(0);
  });
});

describe('function size', () => {
  it("Biome's cognitive complexity rule is on at 15, as an error (npm test runs biome with --error-on-warnings)", () => {
    const biome = JSON.parse(readFileSync(join(SRC, '..', 'biome.json'), 'utf8'));
    expect(biome.linter.rules.complexity.noExcessiveCognitiveComplexity).toEqual({
      level: 'error',
      options: { maxAllowedComplexity: 15 },
    });
  });
});
