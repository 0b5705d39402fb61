/**
 * The JSON Schemas in schema/ compiled with ajv (strict), and ajv's errors turned into
 * positioned problems that say what to do.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Problem } from '../errors.js';
import { didYouMean, nearest } from './suggest.js';
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

/** Whether `data` is valid (filling in defaults), without positions: the fast path for large data files. */
export function isValid(data: unknown, name: SchemaName): boolean {
  return compile(name).validate(data) as boolean;
}

/**
 * Validates (and fills defaults into) `file.data`; returns every problem found. Values are
 * quoted in messages only for config files (`quote`, true unless a data file such as a usage
 * snapshot), and never for a secret field.
 */
export function checkSchema(file: YamlFile, name: SchemaName, options: { quote?: boolean } = {}): Problem[] {
  const quote = options.quote ?? name !== 'usage';
  const { validate } = compile(name);
  if (validate(file.data)) return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const err of validate.errors ?? []) {
    const p = translate(file, err, quote);
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

function describeType(data: unknown, quote: boolean): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a mapping';
  if (!quote) return typeof data === 'string' ? 'a text' : `a ${typeof data}`;
  if (typeof data === 'string') return `the text "${data.length > 40 ? `${data.slice(0, 37)}...` : data}"`;
  return `${typeof data} ${String(data)}`;
}

const SECRET_FIELDS = ['publicKey', 'privateKey', 'clientId', 'apiKey'];

/** An error on a secret reference or inside one. Its messages never hold a value or a key. */
function secretProblem(file: YamlFile, err: ErrorObject, path: JsonPath): Problem {
  const i = path.findIndex((seg) => SECRET_FIELDS.includes(String(seg)));
  const refPath = i >= 0 ? path.slice(0, i + 1) : path;
  const ref = pathText(refPath);
  const hint = 'write { env: NAME } and set the variable, or { file: PATH } to a file outside git';
  const params = err.params as Record<string, unknown>;
  const inside = path.length > refPath.length;
  switch (err.keyword) {
    case 'type':
      if (!inside) {
        if (err.data === null) return problemAt(file, path, `${ref} is empty; secrets must be references`, hint);
        // Never echo the value, string or not: it may be the very secret we refuse to store.
        return problemAt(file, path, `${ref} is a literal value; secrets must be references`, hint);
      }
      return problemAt(file, path, `${pathText(path)} must be text (a variable name or a path)`, hint);
    case 'additionalProperties': {
      // A key may be the secret itself: `{ s3cr3t }` is a mapping with that key.
      const extra = String(params.additionalProperty);
      const near = nearest(extra, ['env', 'file']);
      return problemAt(
        file,
        refPath,
        `${ref} has a key other than "env" or "file"${near ? `; did you mean "${near}"?` : ''}`,
        hint,
      );
    }
    case 'minProperties':
    case 'maxProperties':
      return problemAt(file, path, `${ref} must have exactly one of "env" or "file"`, hint);
    case 'pattern':
      return problemAt(file, path, `${pathText(path)} must be an environment variable name (letters, digits, _)`);
    case 'minLength':
      return problemAt(file, path, `${pathText(path)} must not be empty`, hint);
    default:
      return problemAt(file, path, `${ref} is not a secret reference`, hint);
  }
}

function translate(file: YamlFile, err: ErrorObject, quote: boolean): Problem | undefined {
  const path = segments(err.instancePath);
  const where = pathText(path);
  const isSecret = err.schemaPath.startsWith('#/definitions/secretRef');
  if (isSecret) return secretProblem(file, err, path);
  const describe = (data: unknown) => describeType(data, quote);
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
      return problemAt(
        file,
        path,
        `${where} must be ${String(params.type).replace(',', ' or ')}, not ${describe(err.data)}`,
      );
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return problemAt(
        file,
        path,
        `${where} must be one of ${allowed.join(', ')}, not ${describe(err.data)}${quote ? didYouMean(String(err.data), allowed) : ''}`,
      );
    }
    case 'const':
      return problemAt(
        file,
        path,
        `${where} must be ${JSON.stringify(params.allowedValue)}, not ${describe(err.data)}`,
      );
    case 'minProperties':
    case 'maxProperties':
      if (isOverride)
        return problemAt(file, path, `override ${where} must set exactly one of quantity, minimum or skip`);
      return problemAt(file, path, `${where} ${err.message ?? 'is invalid'}`);
    case 'pattern':
      return problemAt(file, path, `${where} must match ${String(params.pattern)}`);
    default:
      return problemAt(file, path, `${where} ${err.message ?? 'is invalid'}`);
  }
}
