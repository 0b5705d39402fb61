/** Every file in config.example/ validates against its schema, and the whole directory loads. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';
import { checkSchema, type SchemaName } from '../../src/config/schemas.js';
import { loadYamlFile } from '../../src/config/yaml-file.js';
import { ROOT } from '../helpers/cli.js';

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
});
