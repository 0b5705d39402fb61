/**
 * Where the proposed bindings go, checked before any work: new files, never existing ones.
 * The default is customers/imported-YYYY-MM-DD.yaml under the config directory (-2, -3, ...
 * when that day already has one); `--out FILE` names it, and an existing FILE is refused.
 * A proposal too long for one config file (the loader's 1 MB limit) goes to FILE, then
 * FILE-part-2.yaml, ... Files are created with O_EXCL, so one (or a symlink) that appears
 * meanwhile is not overwritten either; then checked as the config will read them, and
 * removed again if they would not validate.
 */
import { existsSync, lstatSync, mkdirSync, realpathSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { knownAdapters } from '../adapters/registry.js';
import { displayPath, loadConfig } from '../config/load.js';
import { checkSchema } from '../config/schemas.js';
import { loadYamlFile } from '../config/yaml-file.js';
import { CwsyncError, formatProblem, type Problem, RefusedError } from '../errors.js';

export interface OutputTarget {
  path: string;
  /** Whether loadConfig reads this file as part of the config. */
  partOfConfig: boolean;
}

const inside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
};

function refuseExisting(path: string, how: string): never {
  throw new RefusedError(`${displayPath(path)} already exists; cwsync import never overwrites a file`, {
    hint: how,
  });
}

function existsOrLink(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** An --out path: new, in a directory that exists; part of the config when the config reads it. */
function chosenOut(config: string, out: string): OutputTarget {
  const path = resolve(out);
  if (existsOrLink(path)) refuseExisting(path, 'choose another --out, or move that file away first');
  const parent = dirname(path);
  if (!existsSync(parent) || !statSync(parent).isDirectory())
    throw new CwsyncError(`--out ${out}: ${displayPath(parent)} is not a directory`, {
      hint: 'create the directory first, or write under the config directory',
    });
  const real = join(realpathSync(parent), basename(path));
  const partOfConfig =
    (dirname(real) === join(config, 'customers') && /\.ya?ml$/.test(real)) ||
    real === join(config, 'customers.yaml') ||
    real === join(config, 'customers.yml');
  return { path, partOfConfig };
}

export function chooseOutput(configDir: string, out: string | undefined, date: string): OutputTarget {
  const config = realpathSync(resolve(configDir));
  if (out !== undefined) return chosenOut(config, out);
  const dir = join(config, 'customers');
  if (existsOrLink(dir) && (!statSync(dir).isDirectory() || !inside(config, realpathSync(dir))))
    throw new CwsyncError(`${displayPath(dir)} is not a directory inside the config directory`, {
      hint: 'customers/ must be a plain directory of YAML files; or pass --out FILE',
    });
  for (let n = 1; n < 100; n++) {
    const path = join(dir, `imported-${date}${n === 1 ? '' : `-${n}`}.yaml`);
    if (!existsOrLink(path)) return { path, partOfConfig: true };
  }
  throw new RefusedError(`${displayPath(dir)} already holds 99 imports dated ${date}`, {
    hint: 'commit or remove some of them, or pass --out FILE',
  });
}

/** The n-th file of a long proposal: the target itself, then NAME-part-2.yaml, ... */
export function partOf(target: OutputTarget, n: number): OutputTarget {
  if (n === 1) return target;
  const m = /^(.*?)(\.ya?ml)?$/.exec(target.path)!;
  // A second customers.yaml beside the first is not read by the config; customers/*.yaml are.
  const partOfConfig = target.partOfConfig && !/(^|[/\\])customers\.ya?ml$/.test(target.path);
  return { path: `${m[1]}-part-${n}${m[2] ?? '.yaml'}`, partOfConfig };
}

/** Creates the files (never replacing one), then checks them; files that would not validate are removed. */
export function writeProposals(configDir: string, targets: OutputTarget[], texts: string[]): void {
  for (const t of targets.slice(1))
    if (existsOrLink(t.path)) refuseExisting(t.path, 'the proposal needs more than one file: move that one away first');
  const written: string[] = [];
  const undo = () => {
    for (const path of written) unlinkSync(path);
  };
  targets.forEach((target, i) => {
    mkdirSync(dirname(target.path), { recursive: true });
    try {
      writeFileSync(target.path, texts[i]!, { flag: 'wx', mode: 0o644 });
      written.push(target.path);
    } catch (err) {
      undo();
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') refuseExisting(target.path, 'run import again');
      throw new CwsyncError(`cannot write ${displayPath(target.path)}: ${(err as Error).message}`, {
        hint: 'check that the directory is writable',
      });
    }
  });
  const problems = checkWritten(configDir, targets);
  if (problems.length === 0) return;
  undo();
  throw new CwsyncError(
    `the proposed bindings would not validate, so ${written.map(displayPath).join(', ')} ${written.length === 1 ? 'was' : 'were'} not kept:\n${problems.map(formatProblem).join('\n')}`,
    { hint: 'this is a bug in cwsync import: please report it with the lines above' },
  );
}

function checkWritten(configDir: string, targets: OutputTarget[]): Problem[] {
  const alone = targets
    .filter((t) => !t.partOfConfig)
    .flatMap((t) => {
      const { file, problems } = loadYamlFile(t.path, displayPath(t.path));
      return file ? checkSchema(file, 'customers') : problems;
    });
  return [...(targets.some((t) => t.partOfConfig) ? loadConfig(configDir, knownAdapters).problems : []), ...alone];
}
