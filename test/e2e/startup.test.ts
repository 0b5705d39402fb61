/**
 * Start-up stays cheap: `--version` and `validate` load only what they use. (How fast it
 * starts is measured by `npm run bench:startup`, not asserted here.)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const PROBE = pathToFileURL(fileURLToPath(new URL('../helpers/loaded-modules.mjs', import.meta.url))).href;
const HEAVY = ['simple-git', 'pino', 'thread-stream', 'sonic-boom', 'diff'];

/** Runs node with the probe preloaded; returns its exit code, stdout and the packages it loaded. */
function withProbe(args: string[]): Promise<{ code: number; stdout: string; stderr: string; packages: string[] }> {
  const out = join(tempDir('cwsync-modules-'), 'modules.txt');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', PROBE, ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', CWSYNC_TEST_MODULES_OUT: out } },
      (error, stdout, stderr) => {
        const urls = readFileSync(out, 'utf8').split('\n');
        const packages = new Set<string>();
        for (const url of urls) {
          const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
          if (m) packages.add(m[1]!);
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, packages: [...packages].sort() });
      },
    );
  });
}

describe('start-up', () => {
  it('the probe sees both kinds of package: ES modules (simple-git) and CommonJS (pino)', async () => {
    const r = await withProbe(['--input-type=module', '-e', "await import('simple-git'); await import('pino');"]);
    expect(r.code).toBe(0);
    expect(r.packages).toEqual(expect.arrayContaining(['simple-git', 'pino']));
  });

  it('--version prints the version in package.json and loads no package but commander', async () => {
    const r = await withProbe([CLI, '--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
    expect(r.packages).toEqual(['commander']);
  });

  it('validate loads yaml and ajv, and no HTTP client, git or logger', async () => {
    const r = await withProbe([CLI, 'validate', '--config', 'config.example']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.packages).toEqual(expect.arrayContaining(['commander', 'yaml', 'ajv']));
    expect(r.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });
});
