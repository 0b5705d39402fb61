/**
 * Loads a config directory: every file parsed with positions, checked against its schema, then
 * the cross-file rules. Returns all problems rather than throwing at the first one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Problem } from '../errors.js';
import { runRules } from './rules.js';
import { checkSchema, type SchemaName } from './schemas.js';
import type { Binding, Bundle, Config, ConnectWiseSettings, MailprotectorSettings, Override, Policy } from './types.js';
import { loadYamlFile, positionOf, type YamlFile } from './yaml-file.js';

export interface LoadResult {
  config?: Config;
  problems: Problem[];
  /** The files that were read, as shown to users. */
  files: string[];
}

export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

function readChecked(abs: string, schema: SchemaName, problems: Problem[], files: string[]): YamlFile | undefined {
  const display = displayPath(abs);
  files.push(display);
  const { file, problems: parseProblems } = loadYamlFile(abs, display);
  problems.push(...parseProblems);
  if (!file) return undefined;
  const schemaProblems = checkSchema(file, schema);
  problems.push(...schemaProblems);
  return schemaProblems.length === 0 ? file : undefined;
}

function customerFilePaths(dir: string): string[] {
  const paths: string[] = [];
  for (const name of ['customers.yaml', 'customers.yml']) if (existsSync(join(dir, name))) paths.push(join(dir, name));
  const sub = join(dir, 'customers');
  if (existsSync(sub) && statSync(sub).isDirectory()) {
    for (const name of readdirSync(sub).sort()) if (/\.ya?ml$/.test(name)) paths.push(join(sub, name));
  }
  return paths;
}

export function loadConfig(configDir: string): LoadResult {
  const dir = resolve(configDir);
  const problems: Problem[] = [];
  const files: string[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return {
      problems: [
        {
          file: displayPath(dir),
          line: 1,
          col: 1,
          message: 'config directory not found',
          hint: 'pass --config DIR, or copy config.example/ to config/',
        },
      ],
      files,
    };
  }
  const required = (name: string, schema: SchemaName) => {
    const abs = join(dir, name);
    if (!existsSync(abs)) {
      problems.push({
        file: displayPath(abs),
        line: 1,
        col: 1,
        message: `${name} is missing`,
        hint: `every config directory needs ${name}; see config.example/${name}`,
      });
      return undefined;
    }
    return readChecked(abs, schema, problems, files);
  };
  const cwsync = required('cwsync.yaml', 'cwsync');
  const services = required('services.yaml', 'services');
  const customerPaths = customerFilePaths(dir);
  if (customerPaths.length === 0) {
    problems.push({
      file: displayPath(join(dir, 'customers.yaml')),
      line: 1,
      col: 1,
      message: 'no customers file',
      hint: 'create customers.yaml or customers/*.yaml with a customers: list',
    });
  }
  const customerFiles = customerPaths
    .map((p) => readChecked(p, 'customers', problems, files))
    .filter((f): f is YamlFile => f !== undefined);
  problems.push(...runRules({ cwsync, services, customerFiles }));
  if (problems.length > 0 || !cwsync || !services) return { problems, files };
  return { config: build(dir, cwsync, services, customerFiles), problems, files };
}

type Obj = Record<string, unknown>;

/** Builds the typed Config from files that passed every check (defaults already filled by ajv). */
function build(dir: string, cwsync: YamlFile, services: YamlFile, customerFiles: YamlFile[]): Config {
  const c = cwsync.data as {
    connectwise: ConnectWiseSettings;
    usage: { mailprotector?: MailprotectorSettings; file?: string };
    policy: Policy;
  };
  const s = services.data as { services: Record<string, string | null>; bundles?: Bundle[] };
  const customers: Binding[] = customerFiles.flatMap((file) =>
    ((file.data as { customers: Obj[] }).customers ?? []).map((raw, i) => ({
      customer: raw.customer as string | number,
      company: raw.company as string,
      agreement: raw.agreement as string | { id: number },
      overrides: (raw.overrides ?? {}) as Record<string, Override>,
      source: { file: file.display, line: positionOf(file, ['customers', i]).line },
    })),
  );
  return {
    dir,
    connectwise: c.connectwise,
    usage: c.usage,
    policy: c.policy,
    services: s.services,
    bundles: s.bundles ?? [],
    customers,
  };
}
