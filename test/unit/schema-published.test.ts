/**
 * The published schema/cwsync.schema.json holds each registered adapter's settings schema, as
 * the adapter declares it (npm run schema writes them), and the billing system is whichever
 * registered target's key is present: exactly one.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownAdapters, registered } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';

const ROOT = join(import.meta.dirname, '..', '..');
const published = JSON.parse(readFileSync(join(ROOT, 'schema', 'cwsync.schema.json'), 'utf8'));

describe('the published schema and the registry', () => {
  it("embeds every registered target's settings schema under its key, and every source's under usage: (npm run schema)", () => {
    for (const t of registered.targets) expect(published.properties[t.key]).toEqual(t.settingsSchema);
    for (const s of registered.sources) expect(published.properties.usage.properties[s.key]).toEqual(s.settingsSchema);
    expect(Object.keys(published.properties).sort()).toEqual(
      [...registered.targets.map((t) => t.key), 'usage', 'policy'].sort(),
    );
    expect(Object.keys(published.properties.usage.properties).sort()).toEqual(
      registered.sources.map((s) => s.key).sort(),
    );
  });

  it('requires no particular billing system: only usage:', () => {
    expect(published.required).toEqual(['usage']);
  });
});

/** config.example, copied, with its cwsync.yaml edited. */
function exampleWith(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cwsync-schema-'));
  cpSync(join(ROOT, 'config.example'), dir, { recursive: true });
  const path = join(dir, 'cwsync.yaml');
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

describe('the billing system is whichever registered key is present', () => {
  it('config.example names exactly one, connectwise:', () => {
    const { config, problems } = loadConfig(
      exampleWith((t) => t),
      knownAdapters,
    );
    expect(problems).toEqual([]);
    expect(config?.connectwise?.company).toBe('acme');
  });

  it('refuses a policy the billing system says it cannot carry out (its capabilities): onZero: cancel without cancelLine', () => {
    const memory = registered.targets.find((t) => t.key === 'memory')!;
    const dir = exampleWith((t) =>
      t
        .replace(/^connectwise:\n(?: {2}.*\n|\s*#.*\n)*/m, 'memory:\n  state: billing.json\n')
        .replace('onZero: zero', 'onZero: cancel'),
    );
    expect(loadConfig(dir, knownAdapters).problems).toEqual([]);
    memory.capabilities.cancelLine = false;
    try {
      const { problems } = loadConfig(dir, knownAdapters);
      expect(problems.map((p) => p.message)).toEqual([
        'policy.onZero is cancel, but the in-memory billing system cannot cancel a line',
      ]);
    } finally {
      memory.capabilities.cancelLine = true;
    }
  });

  it('a cwsync.yaml naming two billing systems is refused at the second', () => {
    const dir = exampleWith((t) => t.replace(/^usage:\n/m, 'memory:\n  state: billing.json\nusage:\n'));
    const { config, problems } = loadConfig(dir, knownAdapters);
    expect(config).toBeUndefined();
    expect(problems.map((p) => [p.message, p.line > 1])).toEqual([
      ['cwsync.yaml names 2 billing systems (connectwise, memory)', true],
    ]);
  });

  it('a cwsync.yaml without any billing system is refused, naming the registered keys', () => {
    const dir = exampleWith((t) => t.replace(/^connectwise:\n(?: {2}.*\n|\s*#.*\n)*/m, ''));
    const { config, problems } = loadConfig(dir, knownAdapters);
    expect(config).toBeUndefined();
    expect(problems.map((p) => [p.message, p.hint])).toEqual([
      [
        'cwsync.yaml names no billing system',
        `add the settings of one of: ${registered.targets.map((t) => t.key).join(', ')}`,
      ],
    ]);
  });
});
