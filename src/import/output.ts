/**
 * Where the proposed bindings go, checked before any work: a new file, never an existing one.
 * The default is customers/imported-YYYY-MM-DD.yaml under the config directory (-2, -3, ...
 * when that day already has one); `--out FILE` names it, and an existing FILE is refused.
 * Written with O_EXCL, so a file (or symlink) that appears meanwhile is not overwritten either;
 * then checked as the config will read it, and removed again if it would not validate.
 */
import { existsSync, lstatSync, mkdirSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
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

export function chooseOutput(configDir: string, out: string | undefined, date: string): OutputTarget {
  const config = realpathSync(resolve(configDir));
  if (out !== undefined) {
    const path = resolve(out);
    if (existsOrLink(path)) refuseExisting(path, 'choose another --out, or move that file away first');
    const parent = dirname(path);
    if (!existsSync(parent) || !lstatSync(parent).isDirectory())
      throw new CwsyncError(`--out ${out}: the directory ${displayPath(parent)} does not exist`, {
        hint: 'create it first, or write under the config directory',
      });
    const real = join(realpathSync(parent), basename(path));
    const partOfConfig =
      (dirname(real) === join(config, 'customers') && /\.ya?ml$/.test(real)) ||
      real === join(config, 'customers.yaml') ||
      real === join(config, 'customers.yml');
    return { path, partOfConfig };
  }
  const dir = join(config, 'customers');
  if (existsOrLink(dir)) {
    const st = lstatSync(dir);
    if (!st.isDirectory() || !inside(config, realpathSync(dir)))
      throw new CwsyncError(`${displayPath(dir)} is not a directory inside the config directory`, {
        hint: 'customers/ must be a plain directory of YAML files; or pass --out FILE',
      });
  }
  for (let n = 1; n < 100; n++) {
    const path = join(dir, `imported-${date}${n === 1 ? '' : `-${n}`}.yaml`);
    if (!existsOrLink(path)) return { path, partOfConfig: true };
  }
  throw new RefusedError(`${displayPath(dir)} already holds 99 imports dated ${date}`, {
    hint: 'commit or remove some of them, or pass --out FILE',
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

/** Creates the file (never replacing one), then checks it; a file that would not validate is removed. */
export function writeProposals(configDir: string, target: OutputTarget, text: string): void {
  mkdirSync(dirname(target.path), { recursive: true });
  try {
    writeFileSync(target.path, text, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') refuseExisting(target.path, 'run import again');
    throw new CwsyncError(`cannot write ${displayPath(target.path)}: ${(err as Error).message}`, {
      hint: 'check that the directory is writable',
    });
  }
  const problems = checkWritten(configDir, target);
  if (problems.length === 0) return;
  unlinkSync(target.path);
  throw new CwsyncError(
    `the proposed bindings would not validate, so ${displayPath(target.path)} was not kept:\n${problems.map(formatProblem).join('\n')}`,
    { hint: 'this is a bug in cwsync import: please report it with the lines above' },
  );
}

function checkWritten(configDir: string, target: OutputTarget): Problem[] {
  if (target.partOfConfig) return loadConfig(configDir).problems;
  const { file, problems } = loadYamlFile(target.path, displayPath(target.path));
  return file ? checkSchema(file, 'customers') : problems;
}
