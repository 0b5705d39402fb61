// Before `npm pack`/`npm publish`: a clean dist/, the lockfile shipped as npm-shrinkwrap.json (users
// get the dependency versions we tested), and dist/release.json naming the commit packed, so
// `cwsync init` pins the generated workflows' Action to that commit rather than a movable tag.
// A package that cannot name the clean commit it was built from is refused: outside git, or with
// changes not committed (tracked or new files), the commit would not hold what the package holds.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';

function refuse(why) {
  process.stderr.write(
    `prepack: ${why}\n  cwsync packs only a clean git commit, so \`cwsync init\` can pin the Action to it: commit (or stash) first, then npm pack again.\n`,
  );
  process.exit(1);
}

const git = (args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
let commit;
let dirty;
try {
  commit = git(['rev-parse', '--verify', 'HEAD^{commit}']);
  dirty = git(['status', '--porcelain', '--untracked-files=normal']);
} catch {
  refuse('this is not a git checkout with a commit');
}
if (!/^[0-9a-f]{40}$/.test(commit)) refuse(`git rev-parse HEAD answered "${commit}", not a commit`);
if (dirty) refuse(`uncommitted changes:\n${dirty.split('\n').slice(0, 10).map((l) => `    ${l}`).join('\n')}`);

rmSync('dist', { recursive: true, force: true });
copyFileSync('package-lock.json', 'npm-shrinkwrap.json');
mkdirSync('dist', { recursive: true });
writeFileSync('dist/release.json', `${JSON.stringify({ commit })}\n`);
