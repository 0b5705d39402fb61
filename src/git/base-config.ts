/**
 * cwsync.yaml as it stands at another commit (a pull request's base), read from git's object
 * store, never from the working tree: the working tree is the pull request's. The blob is
 * checked like any config file (a regular file, not a symbolic link, under the size cap) and
 * parsed by the same YAML reader, with the schema's defaults filled in, so both sides of a
 * comparison mean the same thing by an omitted key.
 */
import { simpleGit } from 'simple-git';
import { checkSchema } from '../config/schemas.js';
import { MAX_FILE_BYTES, parseYamlText } from '../config/yaml-file.js';
import { RefusedError } from '../errors.js';

const REF = /^[A-Za-z0-9._/@{}^~-]{1,200}$/;

export interface BaseDocument {
  /** The full commit id the ref named. */
  commit: string;
  /** The parsed document (defaults filled in), or undefined when the commit has no cwsync.yaml. */
  data: unknown;
}

async function commitOf(git: ReturnType<typeof simpleGit>, ref: string, label: string): Promise<string> {
  // A ref starting with "-" would be read by git as an option.
  // Not quoted: what fails the pattern may hold control characters.
  if (ref.startsWith('-') || !REF.test(ref))
    throw new RefusedError(
      'the base to compare with is not a commit id or branch name (letters, digits and ._/@{}^~- only)',
      {
        hint: 'name the base as a commit id, a branch (origin/main) or a tag',
      },
    );
  const commit = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).then(
    (out) => out.trim(),
    () => '',
  );
  if (!/^[0-9a-f]{40,64}$/.test(commit))
    throw new RefusedError(`${label} ${ref} is not a commit in this clone, so the connection cannot be compared`, {
      hint: 'actions/checkout fetches only one commit by default: give it `fetch-depth: 0`, or run `git fetch --no-tags --depth=1 origin <base sha>` before plan; outside Actions, fetch the branch you compare with',
    });
  return commit;
}

/** Where cwsync.yaml of `configDir` lives inside its repository, as a path from the top. */
async function repoPath(git: ReturnType<typeof simpleGit>): Promise<string> {
  const inRepo = await git.checkIsRepo().catch(() => false);
  if (!inRepo)
    throw new RefusedError(
      'the config directory is not in a git repository, so its connection has no base to compare with',
      {
        hint: 'plan in a clone of the config repository',
      },
    );
  const prefix = (await git.raw(['rev-parse', '--show-prefix'])).trim();
  return `${prefix}cwsync.yaml`;
}

/** cwsync.yaml of the config directory at `ref`; refuses (exit 3) whatever cannot be read as a plain file. */
export async function readBaseCwsyncYaml(configDir: string, ref: string, label: string): Promise<BaseDocument> {
  const git = simpleGit({ baseDir: configDir });
  const path = await repoPath(git);
  const commit = await commitOf(git, ref, label);
  const entry = (await git.raw(['ls-tree', '-l', '--full-tree', commit, '--', path])).trim();
  if (!entry) return { commit, data: undefined };
  // "<mode> <type> <object> <size>\t<path>"
  const [mode, type, object, size] = entry.split(/\s+/);
  if (type !== 'blob' || (mode !== '100644' && mode !== '100755'))
    throw new RefusedError(
      `${path} at ${label} is not a regular file (git mode ${mode}), so the connection cannot be compared`,
      {
        hint: 'the base commit must hold cwsync.yaml as a plain file',
      },
    );
  if (Number(size) > MAX_FILE_BYTES)
    throw new RefusedError(`${path} at ${label} is larger than ${MAX_FILE_BYTES} bytes`, {
      hint: 'the base commit must hold a cwsync.yaml cwsync can read',
    });
  const text = await git.raw(['cat-file', 'blob', object!]);
  const { file } = parseYamlText(text, `${path}@${commit.slice(0, 12)}`);
  // Defaults are filled whether or not the base is valid; an unreadable base compares as empty,
  // which differs from any head in every key: refused, never trusted.
  if (file) checkSchema(file, 'cwsync');
  return { commit, data: file?.data };
}
