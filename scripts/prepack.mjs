// Before `npm pack`/`npm publish`: a clean dist/, the lockfile shipped as npm-shrinkwrap.json (users
// get the dependency versions we tested), and dist/release.json naming the commit packed, so
// `cwsync init` pins the generated workflows' Action to that commit rather than a movable tag.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
copyFileSync('package-lock.json', 'npm-shrinkwrap.json');
let commit = null;
try {
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
  if (/^[0-9a-f]{40}$/.test(head) && !dirty) commit = head;
} catch {
  // not a git checkout: init falls back to the version tag
}
mkdirSync('dist', { recursive: true });
writeFileSync('dist/release.json', `${JSON.stringify({ commit })}\n`);
