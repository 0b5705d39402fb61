/** A clean commit of this repository's sources, for the tests that pack or release it. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './cli.js';

/**
 * The sources as a fresh clone has them (tracked and new files; nothing ignored, so no dist/),
 * with node_modules linked, committed in a repository of their own: the commit prepack records.
 */
export function cleanCopy(to: string): string {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT });
  for (const file of String(listed).split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(to, file));
    } catch (err) {
      // Deleted in the work tree but not yet committed, or a file another test just removed.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: to, encoding: 'utf8' }).trim();
  git('init', '-q');
  writeFileSync(join(to, '.git/info/exclude'), 'node_modules\n');
  git('add', '-A');
  git(
    '-c',
    'user.email=dev@cwsync.test',
    '-c',
    'user.name=dev',
    '-c',
    'commit.gpgsign=false',
    'commit',
    '-qm',
    'release',
  );
  return git('rev-parse', 'HEAD');
}
