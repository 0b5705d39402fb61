// Run by action.yml in its build copy, before `npm ci`: the build needs the production
// dependencies and the compiler (typescript, @types/node), not the test and lint tools (biome,
// vitest, knip: about 190 of 214 MB). package.json keeps only those dev dependencies and
// package-lock.json only the entries they and the production dependencies reach, each entry as
// locked (version, resolved, integrity), so `npm ci` still installs and checks locked versions.
import { readFileSync, writeFileSync } from 'node:fs';

const COMPILER = ['typescript', '@types/node'];
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const packages = lock.packages;

const missing = COMPILER.filter((name) => !pkg.devDependencies?.[name]);
if (missing.length) {
  process.stderr.write(`compiler-only: package.json has no dev dependency ${missing.join(', ')}\n`);
  process.exit(1);
}
pkg.devDependencies = Object.fromEntries(COMPILER.map((name) => [name, pkg.devDependencies[name]]));
const root = { ...packages[''], devDependencies: pkg.devDependencies };

/** The lock entry npm resolves `name` to from the package at `from` (nested node_modules first). */
function resolve(from, name) {
  for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
    const path = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (packages[path]) return path;
    if (!at) return undefined;
  }
}

const keep = new Set();
const visit = (from, names) => {
  for (const name of names) {
    const path = resolve(from, name);
    if (!path || keep.has(path)) continue;
    keep.add(path);
    const entry = packages[path];
    visit(path, Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }));
  }
};
visit('', Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies }));

lock.packages = { '': root };
for (const [path, entry] of Object.entries(packages)) if (keep.has(path)) lock.packages[path] = entry;
writeFileSync('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`the build installs ${keep.size} of ${Object.keys(packages).length - 1} locked packages\n`);
