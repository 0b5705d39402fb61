/** Every file in config.example/ validates against its schema, and the whole directory loads. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';
import { checkSchema, type SchemaName } from '../../src/config/schemas.js';
import { loadYamlFile } from '../../src/config/yaml-file.js';
import { copyExampleConfigFor } from '../../src/sandbox/demo-sandbox.js';
import type { Sandbox } from '../../src/sandbox/start.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const dir = join(ROOT, 'config.example');
const schemaFor = (name: string): SchemaName =>
  name.startsWith('customers') ? 'customers' : (name.replace(/\.ya?ml$/, '') as SchemaName);

describe('config.example', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('has the three config files', () => {
    expect(files.sort()).toEqual(['customers.yaml', 'cwsync.yaml', 'services.yaml']);
  });

  it.each(files)('%s validates against its schema', (name) => {
    const { file, problems } = loadYamlFile(join(dir, name), name);
    expect(problems).toEqual([]);
    expect(checkSchema(file!, schemaFor(name))).toEqual([]);
  });

  it.each(files)('%s carries a schema modeline', (name) => {
    // The comment lines the file opens with, where editors look for the modeline.
    const opening = /^(?:[ \t]*(?:#.*)?\n)*/.exec(readFileSync(join(dir, name), 'utf8'))![0];
    expect(opening).toContain(`yaml-language-server: $schema=../schema/${schemaFor(name)}.schema.json`);
  });

  it('loads as a whole with no problems and the documented defaults', () => {
    const { config, problems } = loadConfig(dir, knownAdapters);
    expect(problems).toEqual([]);
    expect(config!.policy.safety).toEqual({
      maxChangePercent: 30,
      minManaged: 10,
      maxDecreasePercent: 50,
      maxIncreasePercent: 100,
      maxIncreaseUnits: 25,
      maxQuantity: 5000,
    });
    expect(config!.connectwise!.apiVersion).toBe('2025.1');
  });

  it("reads Mailprotector at the polite default; only the sandbox's copy (demo, cwsync sandbox) reads faster", () => {
    const { config } = loadConfig(dir, knownAdapters);
    expect(config!.usage.mailprotector!.requestsPerSecond).toBe(5);
    const sandbox = {
      cw: { apiBase: 'http://127.0.0.1:1/v4_6_release/apis/3.0' },
      mp: { apiBase: 'http://127.0.0.1:2/api/v1' },
    };
    const copy = join(tempDir('cwsync-example-'), 'config');
    copyExampleConfigFor(sandbox as Sandbox, dir, copy);
    const copied = loadConfig(copy, knownAdapters);
    expect(copied.problems).toEqual([]);
    expect(copied.config!.usage.mailprotector!.requestsPerSecond).toBe(1000);
    expect(copied.config!.usage.mailprotector!.url).toBe('http://127.0.0.1:2/api/v1');
  });
});
