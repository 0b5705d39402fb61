/**
 * The JSON Schemas in schema/ compiled with ajv (strict), and ajv's errors turned into
 * positioned problems that say what to do.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Problem } from '../errors.js';
import { didYouMean } from './suggest.js';
import { type JsonPath, pathText, problemAt, type YamlFile } from './yaml-file.js';

export type SchemaName = 'cwsync' | 'services' | 'customers' | 'usage';

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

// fileURLToPath, not URL.pathname: the path may hold spaces or other characters a URL escapes.
function schemaPath(name: SchemaName): string {
  return fileURLToPath(new URL(`${name}.schema.json`, SCHEMA_DIR));
}

const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true, allowUnionTypes: true, verbose: true });
const compiled = new Map<SchemaName, { validate: ValidateFunction; schema: Record<string, unknown> }>();

function compile(name: SchemaName) {
  let entry = compiled.get(name);
  if (!entry) {
    const schema = JSON.parse(readFileSync(schemaPath(name), 'utf8')) as Record<string, unknown>;
    entry = { validate: ajv.compile(schema), schema };
    compiled.set(name, entry);
  }
  return entry;
}

/** Validates (and fills defaults into) `file.data`; returns every problem found. */
export function checkSchema(file: YamlFile, name: SchemaName): Problem[] {
  const { validate } = compile(name);
  if (validate(file.data)) return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const err of validate.errors ?? []) {
    const p = translate(file, err);
    if (!p) continue;
    const key = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

function segments(instancePath: string): JsonPath {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeType(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a mapping';
  if (typeof data === 'string') return `the text "${data.length > 40 ? `${data.slice(0, 37)}...` : data}"`;
  return `${typeof data} ${String(data)}`;
}

function translate(file: YamlFile, err: ErrorObject): Problem | undefined {
  const path = segments(err.instancePath);
  const where = pathText(path);
  const isSecret = err.schemaPath.startsWith('#/definitions/secretRef');
  const isOverride = path.length === 4 && path[0] === 'customers' && path[2] === 'overrides';
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys((err.parentSchema as { properties?: object }).properties ?? {});
      return problemAt(
        file,
        [...path, extra],
        `unknown key "${extra}" in ${where}${didYouMean(extra, allowed)}`,
        allowed.length ? `allowed keys here: ${allowed.join(', ')}` : undefined,
        true,
      );
    }
    case 'required':
      return problemAt(
        file,
        path,
        `${where} is missing the required key "${String(params.missingProperty)}"`,
        undefined,
        true,
      );
    case 'type': {
      if (isSecret && typeof err.data === 'string') {
        // Never echo the value: it may be the very secret we refuse to store.
        return problemAt(
          file,
          path,
          `${where} is a literal value; secrets must be references`,
          'write { env: NAME } and set the variable, or { file: PATH } to a file outside git',
        );
      }
      return problemAt(
        file,
        path,
        `${where} must be ${String(params.type).replace(',', ' or ')}, not ${describeType(err.data)}`,
      );
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return problemAt(
        file,
        path,
        `${where} must be one of ${allowed.join(', ')}, not ${describeType(err.data)}${didYouMean(String(err.data), allowed)}`,
      );
    }
    case 'const':
      return problemAt(
        file,
        path,
        `${where} must be ${JSON.stringify(params.allowedValue)}, not ${describeType(err.data)}`,
      );
    case 'minProperties':
    case 'maxProperties':
      if (isSecret) return problemAt(file, path, `${where} must have exactly one of "env" or "file"`);
      if (isOverride)
        return problemAt(file, path, `override ${where} must set exactly one of quantity, minimum or skip`);
      return problemAt(file, path, `${where} ${err.message ?? 'is invalid'}`);
    case 'pattern':
      if (isSecret) return problemAt(file, path, `${where} must be an environment variable name (letters, digits, _)`);
      return problemAt(file, path, `${where} must match ${String(params.pattern)}`);
    default:
      return problemAt(file, path, `${where} ${err.message ?? 'is invalid'}`);
  }
}
