/**
 * Loads a config directory: every file parsed with positions, checked against its schema, then
 * the cross-file rules. Returns all problems rather than throwing at the first one.
 */
import { type Dirent, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ConfigError, type Problem } from '../errors.js';
import type { ServiceCatalogue } from '../usage/types.js';
import { runRules } from './rules.js';
import { checkReadablePath, isInside, UnsafeFileError } from './safe-file.js';
import { checkSchema, type SchemaName } from './schemas.js';
import type { Binding, Bundle, Config, MailprotectorSettings, Override, Policy } from './types.js';
import { loadYamlFile, positionOf, problemAt, type YamlFile } from './yaml-file.js';

/**
 * What the loader needs to know of the registered adapters, passed in by its caller
 * (adapters/registry.ts's `knownAdapters`), so that config/ imports no adapter: the billing
 * systems' keys (exactly one sits at the top of cwsync.yaml), their names and whether they can
 * cancel a line, and the service names of the usage source a cwsync.yaml names.
 */
export interface KnownAdapters {
  readonly targets: ReadonlyArray<{
    readonly key: string;
    readonly name: string;
    readonly capabilities: { readonly cancelLine: boolean };
  }>;
  /** The service names of the usage source a cwsync.yaml (as parsed) names; undefined when it has no list. */
  servicesOf(cwsync: unknown): ServiceCatalogue | undefined;
}

/** The registered billing systems' keys that a cwsync.yaml (as parsed) holds at its top: exactly one is valid. */
function targetKeysIn(cwsync: unknown, adapters: KnownAdapters): string[] {
  if (typeof cwsync !== 'object' || cwsync === null) return [];
  return adapters.targets.filter((t) => (cwsync as Record<string, unknown>)[t.key] !== undefined).map((t) => t.key);
}

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

const at1 = (abs: string, message: string, hint?: string): Problem => ({
  file: displayPath(abs),
  line: 1,
  col: 1,
  message,
  ...(hint ? { hint } : {}),
});

function readChecked(
  dir: string,
  abs: string,
  schema: SchemaName,
  problems: Problem[],
  files: string[],
): YamlFile | undefined {
  const display = displayPath(abs);
  files.push(display);
  const { file, problems: parseProblems } = loadYamlFile(abs, display, {
    within: dir,
    sizeHint: 'split customers into customers/*.yaml files',
  });
  problems.push(...parseProblems);
  if (!file) return undefined;
  const schemaProblems = checkSchema(file, schema);
  problems.push(...schemaProblems);
  return schemaProblems.length === 0 ? file : undefined;
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** What sits at `abs` (a dangling symbolic link is "other"): undefined when nothing. */
function kindAt(abs: string): 'dir' | 'other' | undefined {
  try {
    return statSync(abs).isDirectory() ? 'dir' : 'other';
  } catch {
    try {
      lstatSync(abs);
      return 'other';
    } catch {
      return undefined;
    }
  }
}

/** Whether `sub` (a symbolic link, or one below it) resolves outside the config directory `dir`. */
function leadsOutside(dir: string, sub: string): boolean {
  try {
    return !isInside(realpathSync(dir), realpathSync(sub));
  } catch {
    return true;
  }
}

/** A file named like `name` but for case, e.g. Customers.yaml for customers.yaml. */
function caseVariant(dir: string, name: string): string | undefined {
  return entries(dir).find((e) => e.name !== name && e.name.toLowerCase() === name.toLowerCase())?.name;
}

function customerFilePaths(dir: string, problems: Problem[]): string[] {
  const paths: string[] = [];
  for (const name of ['customers.yaml', 'customers.yml']) if (kindAt(join(dir, name))) paths.push(join(dir, name));
  const sub = join(dir, 'customers');
  const kind = kindAt(sub);
  if (kind === 'other') {
    problems.push(at1(sub, 'customers is not a directory', 'make customers/ a directory of *.yaml files'));
  } else if (kind === 'dir' && leadsOutside(dir, sub)) {
    // Never listed: the names in a directory outside the config would reach the output (a pull request's comment).
    problems.push(
      at1(
        sub,
        'leads outside the config directory',
        'files the config names must stay inside the config directory, symbolic links included',
      ),
    );
  } else if (kind === 'dir') {
    // Hidden files (editor locks such as .#acme.yaml) are not config. Extensions in any case.
    const visible = entries(sub).filter((e) => !e.name.startsWith('.'));
    const names = visible
      .map((e) => e.name)
      .filter((n) => /\.ya?ml$/i.test(n))
      .sort();
    // Bindings in a subdirectory would be silently skipped: say so instead.
    for (const e of visible)
      if (e.isDirectory() && !/\.ya?ml$/i.test(e.name))
        problems.push(
          at1(
            join(sub, e.name),
            'is a directory inside customers/, which cwsync does not read',
            'cwsync reads customers/*.yaml only; move its files up into customers/',
          ),
        );
    problems.push(...caseCollisions(sub, names));
    paths.push(...names.map((n) => join(sub, n)));
  }
  return paths;
}

/**
 * customers/Acme.yaml next to customers/acme.yaml works on Linux, but on macOS and Windows one
 * checkout holds only one of them: the same repository would bill differently by machine.
 */
function caseCollisions(dir: string, names: string[]): Problem[] {
  const byLower = new Map<string, string[]>();
  for (const n of names) byLower.set(n.toLowerCase(), [...(byLower.get(n.toLowerCase()) ?? []), n]);
  const problems: Problem[] = [];
  for (const group of byLower.values()) {
    if (group.length < 2) continue;
    for (const n of group.slice(1))
      problems.push(
        at1(
          join(dir, n),
          `file name differs only in case from ${displayPath(join(dir, group[0]!))}`,
          'on macOS and Windows the two are one file; merge them or rename one',
        ),
      );
  }
  return problems;
}

/** usage.file is checked where it is written, before anything reads it. */
/** The billing system is whichever registered target's key is at the top of cwsync.yaml: exactly one. */
function targetProblems(cwsync: YamlFile, adapters: KnownAdapters): Problem[] {
  const keys = targetKeysIn(cwsync.data, adapters);
  if (keys.length === 1) return capabilityProblems(cwsync, adapters.targets.find((t) => t.key === keys[0])!);
  const all = adapters.targets.map((t) => t.key).join(', ');
  if (keys.length === 0)
    return [problemAt(cwsync, [], 'cwsync.yaml names no billing system', `add the settings of one of: ${all}`)];
  return [
    problemAt(
      cwsync,
      [keys[1]!],
      `cwsync.yaml names ${keys.length} billing systems (${keys.join(', ')})`,
      'keep the settings of one',
      true,
    ),
  ];
}

/** What the policy asks of the billing system that it says it cannot do. */
function capabilityProblems(cwsync: YamlFile, target: KnownAdapters['targets'][number]): Problem[] {
  const onZero = (cwsync.data as { policy?: { onZero?: unknown } }).policy?.onZero;
  if (onZero !== 'cancel' || target.capabilities.cancelLine) return [];
  return [
    problemAt(
      cwsync,
      ['policy', 'onZero'],
      `policy.onZero is cancel, but ${target.name} cannot cancel a line`,
      'write onZero: zero (the quantity is set to 0) or keep',
    ),
  ];
}

function usageFileProblems(dir: string, cwsync: YamlFile): Problem[] {
  const file = (cwsync.data as { usage?: { file?: unknown } }).usage?.file;
  if (typeof file !== 'string') return [];
  try {
    checkReadablePath(resolve(dir, file), { within: dir, display: file });
    return [];
  } catch (err) {
    if (!(err instanceof UnsafeFileError)) throw err;
    const abs = resolve(dir, file);
    const variant = err.reason === 'does not exist' ? caseVariant(dirname(abs), basename(abs)) : undefined;
    const hint = variant ? `found ${variant}: file names are case-sensitive` : err.hint;
    return [problemAt(cwsync, ['usage', 'file'], `usage.file "${file}" ${err.reason}`, hint)];
  }
}

/**
 * The `cwsync init` that would write this config directory: init writes DIR/config/ (and the two
 * workflows) and never overwrites a file, so it also fills in the files a config/ lacks.
 * Undefined when the directory is not named config (init would write elsewhere).
 */
function initFor(dir: string): string | undefined {
  if (basename(dir) !== 'config') return undefined;
  const rel = relative(process.cwd(), dirname(dir));
  const parent = rel.startsWith('..') ? dirname(dir) : rel;
  return `cwsync init${parent === '' ? '' : ` ${/[^\w./-]/.test(parent) ? `"${parent}"` : parent}`}`;
}

function missingDirHint(dir: string): string {
  const init = initFor(dir);
  // Beside a clone's config.example/ (where the demo runs), that is what was most likely meant.
  const example = join(dirname(dir), 'config.example');
  const tryExample =
    kindAt(example) === 'dir' ? `; or try the sandbox's example: --config ${displayPath(example)}` : '';
  return init
    ? `\`${init}\` writes a commented config/ with the two workflows (it never overwrites a file); or pass --config DIR${tryExample}`
    : `pass --config DIR with your config directory, or start one with \`cwsync init DIR\` (it writes DIR/config/)${tryExample}`;
}

function missingFileHint(dir: string, name: string): string {
  const init = initFor(dir);
  return init
    ? `every config directory needs ${name}: \`${init}\` writes a commented one and leaves the files you have as they are`
    : `every config directory needs ${name}: \`cwsync init DIR\` writes a commented one in DIR/config/`;
}

export function loadConfig(configDir: string, adapters: KnownAdapters): LoadResult {
  const dir = resolve(configDir);
  const problems: Problem[] = [];
  const files: string[] = [];
  const dirKind = kindAt(dir);
  if (dirKind !== 'dir') {
    return {
      problems: [
        at1(
          dir,
          dirKind ? 'the config directory is a file, not a directory' : 'config directory not found',
          dirKind ? 'pass --config DIR with your config directory' : missingDirHint(dir),
        ),
      ],
      files,
    };
  }
  const required = (name: string, schema: SchemaName) => {
    const abs = join(dir, name);
    if (!kindAt(abs)) {
      const variant = caseVariant(dir, name);
      problems.push(
        at1(
          abs,
          `${name} is missing`,
          variant
            ? `found ${variant}: file names are case-sensitive, rename it to ${name}`
            : missingFileHint(dir, name),
        ),
      );
      return undefined;
    }
    return readChecked(dir, abs, schema, problems, files);
  };
  const known = ['cwsync.yaml', 'services.yaml', 'customers.yaml', 'customers.yml', 'customers'];
  problems.push(
    ...caseCollisions(
      dir,
      entries(dir)
        .map((e) => e.name)
        .filter((n) => known.includes(n.toLowerCase()))
        .sort(),
    ),
  );
  const cwsync = required('cwsync.yaml', 'cwsync');
  const services = required('services.yaml', 'services');
  const customerPaths = customerFilePaths(dir, problems);
  if (customerPaths.length === 0 && kindAt(join(dir, 'customers')) !== 'other') {
    const variant = caseVariant(dir, 'customers.yaml') ?? caseVariant(dir, 'customers');
    problems.push(
      at1(
        join(dir, 'customers.yaml'),
        'no customers file',
        variant
          ? `found ${variant}: file names are case-sensitive, rename it`
          : missingFileHint(dir, 'customers.yaml (or customers/*.yaml, each with a customers: list)'),
      ),
    );
  }
  const customerFiles = customerPaths
    .map((p) => readChecked(dir, p, 'customers', problems, files))
    .filter((f): f is YamlFile => f !== undefined);
  if (cwsync) problems.push(...targetProblems(cwsync, adapters), ...usageFileProblems(dir, cwsync));
  const catalogue = cwsync ? adapters.servicesOf(cwsync.data) : undefined;
  problems.push(...runRules({ cwsync, services, customerFiles, catalogue }));
  if (problems.length > 0 || !cwsync || !services) return { problems, files };
  return { config: build(dir, cwsync, services, customerFiles, targetKeysIn(cwsync.data, adapters)), problems, files };
}

type Obj = Record<string, unknown>;

/** Builds the typed Config from files that passed every check (defaults already filled by ajv). */
function build(
  dir: string,
  cwsync: YamlFile,
  services: YamlFile,
  customerFiles: YamlFile[],
  targetKeys: string[],
): Config {
  const c = cwsync.data as {
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
    // The billing system's section, under its adapter's key (`connectwise:`, `memory:`).
    ...Object.fromEntries(targetKeys.map((key) => [key, (c as Record<string, unknown>)[key]])),
    usage: c.usage,
    policy: c.policy,
    services: s.services,
    bundles: s.bundles ?? [],
    customers,
  };
}

/** The config of `configDir`, or a ConfigError listing every problem: what every command starts with. */
export function loadValidConfig(configDir: string, adapters: KnownAdapters): Config {
  const { config, problems } = loadConfig(configDir, adapters);
  if (!config) throw new ConfigError(problems);
  return config;
}
