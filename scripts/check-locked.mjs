// Run by action.yml in the directory it installed cwsync into: every dependency npm installed is
// the one package-lock.json names, at the locked version, and nothing else is there. Exits 1,
// naming each difference, otherwise.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const problems = [];
const locked = new Map();
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (path === '' || entry.dev || entry.link) continue;
  locked.set(path, entry);
}

/** Every installed package directory: node_modules/x, node_modules/@s/x, nested node_modules too. */
function installed(dir, out = []) {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return out;
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    const names = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name];
    for (const n of names) {
      const path = join(dir, 'node_modules', n);
      out.push(path);
      installed(path, out);
    }
  }
  return out;
}

let count = 0;
for (const path of installed('.')) {
  const manifest = join(path, 'package.json');
  if (!existsSync(manifest)) continue;
  const entry = locked.get(path);
  const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
  if (!entry) problems.push(`${path}@${version} is installed but not in package-lock.json (or only as a dev dependency)`);
  else if (entry.version !== version) problems.push(`${path} is ${version}, package-lock.json locks ${entry.version}`);
  else count++;
}
for (const [path, entry] of locked)
  if (!entry.optional && !entry.devOptional && !existsSync(join(path, 'package.json')))
    problems.push(`${path}@${entry.version} is locked but not installed`);
if (problems.length) {
  process.stderr.write(`cwsync action: the installed dependencies differ from package-lock.json:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`${count} dependencies, each at its locked version\n`);
