/**
 * cwsync installed under a path with spaces: the built package laid out as npm installs it,
 * in `.../my project/node_modules/cwsync/`, run from there against the sandbox.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ENV, demoWorld } from '../../src/sandbox/demo-data.js';
import { copyExampleConfigFor } from '../../src/sandbox/demo-sandbox.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

let sandbox: Sandbox;
let project: string;
let pkg: string;

beforeAll(async () => {
  sandbox = await startSandbox(demoWorld());
  project = join(tempDir('cwsync space '), 'my project');
  pkg = join(project, 'node_modules', 'cwsync');
  mkdirSync(pkg, { recursive: true });
  for (const part of ['dist', 'schema', 'templates', 'package.json'])
    cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
  // The package's dependencies, where node looks for them from inside the package.
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  mkdirSync(join(project, 'node_modules', '.bin'));
  symlinkSync('../cwsync/dist/cli/main.js', join(project, 'node_modules', '.bin', 'cwsync'));
  chmodSync(join(pkg, 'dist', 'cli', 'main.js'), 0o755);
  copyExampleConfigFor(sandbox, join(ROOT, 'config.example'), join(project, 'config'));
  const settings = join(project, 'config', 'cwsync.yaml');
  writeFileSync(settings, readFileSync(settings, 'utf8').replace('# requestsPerSecond: 5', 'requestsPerSecond: 1000'));
});
afterAll(() => sandbox?.close());

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...DEMO_ENV, NO_COLOR: '1', PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
  return new Promise((resolve) => {
    execFile(file, args, { cwd: project, env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const cwsync = (...args: string[]) => run(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), ...args]);

describe('installed in a path with spaces', () => {
  it('the bin reports the version of the package it was installed from', async () => {
    const r = await run(join(project, 'node_modules', '.bin', 'cwsync'), ['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      `${(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version}\n`,
    );
  });

  it('validate finds its schemas', async () => {
    const r = await cwsync('validate', '--config', 'config');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('valid: 5 customers, 4 mappings (+1 Not Assigned), 1 bundle\n');
    expect(r.code).toBe(0);
  });

  it('plan reads the sandbox and prints the plan', async () => {
    const r = await cwsync('plan', '--config', 'config');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('4 changes on 4 agreements');
  });
});
