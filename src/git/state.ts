/** The config's place in git: the commit it was read at, and whether it differs from it. */
import { simpleGit } from 'simple-git';

export interface GitState {
  inRepo: boolean;
  commit: string | null;
  /** Uncommitted or untracked changes under the config directory; outside git, always true. */
  dirty: boolean;
  changed: string[];
}

export async function configGitState(dir: string): Promise<GitState> {
  const git = simpleGit({ baseDir: dir });
  let inRepo: boolean;
  try {
    inRepo = await git.checkIsRepo();
  } catch {
    inRepo = false;
  }
  if (!inRepo) return { inRepo: false, commit: null, dirty: true, changed: [] };
  const commit = await git.revparse(['HEAD']).then(
    (c) => c.trim(),
    () => null,
  );
  const status = await git.status(['--', '.']);
  const changed = status.files.map((f) => f.path);
  return { inRepo: true, commit, dirty: changed.length > 0 || commit === null, changed };
}
