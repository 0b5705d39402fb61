/**
 * Start-up benchmark (run on demand: `npm run bench:startup`, or `-- --runs 50`). Runs a bare
 * `node -e 0` and the built CLI side by side, interleaved so both see the same machine load,
 * and prints the median wall time of each and the ratio to bare node. The target: `cwsync
 * --version` under 2x `node -e 0`. Not a test: timings on a shared machine are not asserts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 30;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number`);

const cases: Array<{ name: string; args: string[] }> = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'cwsync --version', args: [CLI, '--version'] },
  { name: 'cwsync --help', args: [CLI, '--help'] },
  { name: 'cwsync validate --config config.example', args: [CLI, 'validate', '--config', 'config.example'] },
];

function once(args: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

for (const c of cases) once(c.args); // warm the file cache
const times = cases.map(() => [] as number[]);
for (let r = 0; r < runs; r++) for (const [k, c] of cases.entries()) times[k]!.push(once(c.args));

const base = median(times[0]!);
process.stdout.write(`start-up, median of ${runs} runs each (node ${process.version}, interleaved)\n`);
for (const [k, c] of cases.entries()) {
  const m = median(times[k]!);
  process.stdout.write(`  ${c.name.padEnd(42)} ${m.toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}x\n`);
}
