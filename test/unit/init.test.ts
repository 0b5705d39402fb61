/**
 * `cwsync init`: the scaffold validates as generated, every placeholder is marked, its workflows
 * run this version through the Action with commands the real parser accepts, hold the hardened
 * properties, pass actionlint, and nothing that exists is ever replaced.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { knownAdapters } from '../../src/adapters/registry.js';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { loadConfig } from '../../src/config/load.js';
import { CwsyncError } from '../../src/errors.js';
import { actionOverride, checkoutInfo, packageInfo } from '../../src/init/package-info.js';
import { scaffoldFiles, templateValues } from '../../src/init/scaffold.js';
import { writeScaffold } from '../../src/init/write.js';
import { inProcess } from '../helpers/config.js';
import { runInProcess } from '../helpers/in-process.js';
import { tempDir } from '../helpers/temp.js';
import { lintWorkflow, parserComplaint, type Step, stepsOf, type Workflow, workflow } from '../helpers/workflows.js';

const { version, repository, commit } = packageInfo();
const ACTION = `${repository}@${commit ?? `v${version}`}`;

function scaffold(): string {
  const dir = tempDir('cwsync-init-');
  writeScaffold(dir, scaffoldFiles());
  return dir;
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
const workflowAt = (dir: string, name: string) => parse(read(dir, `.github/workflows/${name}`)) as Workflow;

/**
 * Each cwsync command a workflow runs, as the argument list the CLI receives: steps that use the
 * Action (its command and args), and `cwsync ...` lines of run scripts (up to a redirection or
 * pipe; shell arrays such as "${only[@]}" left out).
 */
function commands(wf: Workflow): string[][] {
  return stepsOf(wf).flatMap((s) => [...actionCommand(s), ...scriptCommands(s.run ?? '')]);
}

/** A step that uses the Action: its command and args. */
function actionCommand(s: Step): string[][] {
  if (!s.uses?.startsWith(`${repository}@`) || !s.with?.command) return [];
  const args = String(s.with.args ?? '')
    .split(/\s+/)
    .filter(Boolean);
  return [[String(s.with.command), ...args]];
}

/** The `cwsync ...` lines of a run script, each up to a redirection or pipe. */
function scriptCommands(run: string): string[][] {
  return run.split('\n').flatMap((line) => {
    const m = /^\s*cwsync (.*)$/.exec(line);
    if (!m) return [];
    const args = m[1]!.split(/\s(?:\d?>|\||&&|;)/)[0]!;
    return [args.split(/\s+/).filter((a) => a && !/^"\$\{\w+\[@\]\}"$/.test(a))];
  });
}

describe('cwsync init: the files', () => {
  it('writes the config, the two workflows, a README and a .gitignore', () => {
    expect(scaffoldFiles().map((f) => f.path)).toEqual([
      'config/cwsync.yaml',
      'config/services.yaml',
      'config/customers.yaml',
      '.github/workflows/cwsync-plan.yml',
      '.github/workflows/cwsync-apply.yml',
      'README.md',
      '.gitignore',
    ]);
  });

  it('validates as generated', () => {
    const { config, problems } = loadConfig(join(scaffold(), 'config'), knownAdapters);
    expect(problems).toEqual([]);
    expect(config!.connectwise!.company).toBe('yourcompany');
    expect(config!.usage.mailprotector!.reseller).toBe(1);
  });

  it('marks every placeholder with a comment that says what to put there', () => {
    const dir = scaffold();
    const marked = (file: string) =>
      read(dir, file)
        .split('\n')
        .filter((l) => /^\s*[\w-]+:.*# CHANGE ME: \w+/.test(l))
        .map((l) => l.trim().split(':')[0]);
    expect(marked('config/cwsync.yaml')).toEqual(['site', 'company', 'reseller']);
    expect(marked('config/services.yaml')).toEqual(['CloudFilter', 'SafeSend', 'Bracket', 'CloudMail', 'XtraMail']);
    expect(marked('config/customers.yaml')).toEqual(['customers']);
  });

  it('fills in this version and repository everywhere, and leaves no template placeholder', () => {
    for (const file of scaffoldFiles()) expect(file.content, file.path).not.toMatch(/%%[A-Z_]+%%/);
    const dir = scaffold();
    expect(read(dir, 'config/cwsync.yaml')).toContain(
      `$schema=https://raw.githubusercontent.com/${repository}/${commit ?? `v${version}`}/schema/cwsync.schema.json`,
    );
    expect(read(dir, 'README.md')).toContain('cwsync doctor --config config');
    expect(read(dir, 'README.md')).toContain(`uses: ${ACTION}`);
  });
});

describe('cwsync init: the workflows', () => {
  const TALKS = /^\s*cwsync (plan|apply|usage|import|snapshot)\b/m;

  it('run cwsync at exactly this version, with commands the real CLI parser accepts', () => {
    const dir = scaffold();
    const plan = workflowAt(dir, 'cwsync-plan.yml');
    const apply = workflowAt(dir, 'cwsync-apply.yml');
    expect(commands(plan).map((a) => a.join(' '))).toEqual([
      'validate --config config',
      'comment --failed-log validate.txt --stage validate',
      'plan',
      'comment --plan plan.json --failed-log plan.err',
    ]);
    expect(commands(apply).map((a) => a.join(' '))).toEqual([
      'validate --config config',
      'usage --config config --format json',
      'plan --config config --usage-snapshot usage-snapshot.json --out plan.json',
      'apply --config config --plan plan.json --report report.json --state-dir .cwsync-state',
      'snapshot --config config --out target-snapshot.json --all-agreements',
      'notify --report report.json --plan plan.json --log cwsync.log --job-status "$JOB_STATUS" --step "validate=$VALIDATE_CODE" --step "usage=$USAGE_CODE" --step "plan=$PLAN_CODE" --step "apply=$APPLY_CODE" --step "snapshot=$SNAPSHOT_CODE"',
      'import --config config --pull-request --usage-snapshot usage-snapshot.json',
    ]);
    for (const args of [...commands(plan), ...commands(apply)])
      expect(parserComplaint(args), args.join(' ')).toBeUndefined();
    // cwsync is installed by the Action, at this version, before any step calls it.
    for (const wf of [plan, apply]) {
      const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
      const ours = steps.filter((s) => s.uses?.startsWith(`${repository}@`));
      for (const s of ours) expect(s.uses).toBe(ACTION);
      expect(steps.findIndex((s) => s.uses === ACTION)).toBeLessThan(
        steps.findIndex((s) => /^\s*cwsync /m.test(s.run ?? '')),
      );
    }
  });

  it("run the same scripts as this repository's own workflows, with the installed cwsync instead of npx", () => {
    const dir = scaffold();
    for (const [template, own] of [
      ['cwsync-plan.yml', 'plan.yml'],
      ['cwsync-apply.yml', 'apply.yml'],
    ] as const) {
      const mine = workflow(own);
      const scripts = stepsOf(workflowAt(dir, template)).filter((s) => s.run && !s.run.startsWith('npm ci'));
      for (const step of scripts) {
        const twin = mine.jobs[step.job]?.steps.find((s) => s.name === step.name);
        expect(twin?.run, `${template}: ${step.job} / ${step.name}`).toBeDefined();
        expect(step.run, `${template}: ${step.job} / ${step.name}`).toBe(
          twin!.run!.replaceAll('npx cwsync ', 'cwsync '),
        );
      }
      expect(scripts.length).toBeGreaterThan(3);
    }
  });

  it('pin every other action by commit with its version in a comment, and keep no token in .git', () => {
    const dir = scaffold();
    for (const name of ['cwsync-plan.yml', 'cwsync-apply.yml']) {
      const uses = [...read(dir, `.github/workflows/${name}`).matchAll(/^ +(?:- )?uses: (\S+)(.*)$/gm)];
      expect(uses.length).toBeGreaterThan(2);
      const [own, others] = [
        uses.filter(([, ref]) => ref!.startsWith(`${repository}@`)),
        uses.filter(([, ref]) => !ref!.startsWith(`${repository}@`)),
      ];
      for (const [, , rest] of own) expect(rest).toBe(` # cwsync ${version}`);
      for (const [, ref, rest] of others) {
        expect(ref).toMatch(/^actions\/[\w/-]+@[0-9a-f]{40}$/);
        expect(rest).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
      const checkouts = stepsOf(workflowAt(dir, name)).filter((s) => s.uses?.startsWith('actions/checkout@'));
      for (const s of checkouts) expect(s.with?.['persist-credentials']).toBe(false);
    }
  });

  it('give secrets only to the steps that read ConnectWise or Mailprotector', () => {
    const dir = scaffold();
    for (const name of ['cwsync-plan.yml', 'cwsync-apply.yml']) {
      const wf = workflowAt(dir, name) as Workflow & { env?: unknown };
      expect(JSON.stringify(wf.env ?? {})).not.toContain('secrets.');
      for (const job of Object.values(wf.jobs)) {
        expect(JSON.stringify(job.env ?? {})).not.toContain('secrets.');
        for (const s of job.steps) {
          const secrets = /secrets\.(CW|MP)_/.test(Object.values(s.env ?? {}).join(' '));
          expect(secrets, `${name}: ${s.name}`).toBe(TALKS.test(s.run ?? ''));
        }
      }
    }
    const planStep = workflowAt(dir, 'cwsync-plan.yml').jobs.plan!.steps.find((s) => s.id === 'plan')!;
    expect(Object.keys(planStep.env!).sort()).toEqual([
      'CW_CLIENT_ID',
      'CW_READONLY_PRIVATE_KEY',
      'CW_READONLY_PUBLIC_KEY',
    ]);
  });

  it('skip pull requests from forks with a notice, and apply only from the default branch', () => {
    const dir = scaffold();
    const plan = workflowAt(dir, 'cwsync-plan.yml').jobs.plan!.steps;
    expect(plan[0]!.run).toContain('::notice title=cwsync plan skipped::');
    for (const s of plan.slice(1))
      expect(s.if, s.name).toMatch(/steps\.gate\.outputs\.go == 'true'|failure\(\)|always\(\)/);
    const apply = workflowAt(dir, 'cwsync-apply.yml') as Workflow & {
      jobs: Record<string, { permissions?: Record<string, string> }>;
    };
    const gate = apply.jobs.apply!.steps[0]!;
    expect(gate.run).toContain('"$GITHUB_REF" != "refs/heads/$DEFAULT_BRANCH"');
    expect(gate.run).toContain('exit 1');
    expect(apply.jobs.apply!.permissions).toEqual({ contents: 'read', issues: 'write', actions: 'read' });
    expect(apply.jobs.apply!.environment).toBe('billing');
  });

  it('are clean under actionlint, which does catch a planted script injection', async () => {
    const lint = lintWorkflow;
    const dir = scaffold();
    for (const name of ['cwsync-plan.yml', 'cwsync-apply.yml'])
      expect(await lint(read(dir, `.github/workflows/${name}`), name)).toEqual([]);
    const planted = read(dir, '.github/workflows/cwsync-plan.yml').replace(
      'run: cwsync comment --plan plan.json --failed-log plan.err',
      'run: echo "${{ github.event.pull_request.title }}"',
    );
    expect((await lint(planted, 'planted.yml')).map((r) => r.message)).toEqual([
      expect.stringContaining('"github.event.pull_request.title" is potentially untrusted'),
    ]);
  });
});

describe('cwsync init: never replaces anything', () => {
  it('skips the files that exist, even a dangling symlink, and says so; a second run writes nothing', () => {
    const dir = tempDir('cwsync-init-');
    writeFileSync(join(dir, 'README.md'), '# our own readme\n');
    symlinkSync(join(dir, 'elsewhere'), join(dir, '.gitignore'));
    const first = writeScaffold(dir, scaffoldFiles());
    expect(first.skipped).toEqual(['README.md', '.gitignore']);
    expect(first.written).toHaveLength(5);
    expect(read(dir, 'README.md')).toBe('# our own readme\n');
    expect(lstatSync(join(dir, '.gitignore')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, '.gitignore'))).toBe(join(dir, 'elsewhere'));
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);

    writeFileSync(join(dir, 'config/customers.yaml'), 'customers: []  # ours\n');
    const second = writeScaffold(dir, scaffoldFiles());
    expect(second.written).toEqual([]);
    expect(second.skipped).toHaveLength(7);
    expect(read(dir, 'config/customers.yaml')).toBe('customers: []  # ours\n');
  });

  it('creates a missing directory, and names the file in the way of one it needs', () => {
    const fresh = join(tempDir('cwsync-init-'), 'new', 'repo');
    expect(writeScaffold(fresh, scaffoldFiles()).written).toHaveLength(7);

    const blocked = tempDir('cwsync-init-');
    writeFileSync(join(blocked, 'config'), 'not a directory');
    mkdirSync(join(blocked, '.github'));
    expect(() => writeScaffold(blocked, scaffoldFiles())).toThrow(CwsyncError);
    expect(() => writeScaffold(blocked, scaffoldFiles())).toThrow(
      `cannot create the directory ${join(blocked, 'config')}`,
    );
  });
});

describe('the Action reference', () => {
  it('is the commit the package was packed from, with the version beside it; a tag only when no commit is known', () => {
    const commit = 'a0853c24544627f65ddf259abe73b1d18a591444';
    expect(templateValues({ version: '1.2.3', repository: 'acme/cwsync', commit }).ACTION_REF).toBe(commit);
    expect(templateValues({ version: '1.2.3', repository: 'acme/cwsync', commit }).DOCS).toBe(
      `https://github.com/acme/cwsync/blob/${commit}/docs/setup.md`,
    );
    expect(templateValues({ version: '1.2.3', repository: 'acme/cwsync', commit: null }).ACTION_REF).toBe('v1.2.3');
  });

  it('init --action names a fork and its commit; anything but owner/repo@<full SHA> is refused', () => {
    const fork = 'my-msp/cwsync@0123456789abcdef0123456789abcdef01234567';
    const info = actionOverride({ version: '1.2.3', repository: 'cwsync/cwsync', commit: null }, fork);
    const files = scaffoldFiles(info);
    const plan = files.find((f) => f.path === '.github/workflows/cwsync-plan.yml')!.content;
    expect(plan).toContain(`uses: ${fork} # cwsync 1.2.3`);
    expect(plan).not.toContain('cwsync/cwsync@');
    for (const bad of [
      'my-msp/cwsync@v1.2.3',
      'my-msp/cwsync@main',
      'my-msp@0123456789abcdef0123456789abcdef01234567',
      'x/y@0123',
    ])
      expect(() => actionOverride(info, bad), bad).toThrow(/--action must be owner\/repo@<40-character commit SHA>/);
  });
});

describe('init from a clone of cwsync', () => {
  const git = (dir: string, ...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  function clone(origin?: string): string {
    const dir = tempDir('cwsync-clone-');
    git(dir, 'init', '-q');
    if (origin) git(dir, 'remote', 'add', 'origin', origin);
    writeFileSync(join(dir, 'README.md'), 'cwsync\n');
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.email=dev@x.test', '-c', 'user.name=dev', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'x');
    return dir;
  }

  it('pins the fork its origin names, at HEAD, and knows whether a remote branch holds HEAD', () => {
    const dir = clone('git@github.com:my-msp/cwsync.git');
    const head = git(dir, 'rev-parse', 'HEAD');
    expect(checkoutInfo(dir)).toEqual({ commit: head, repository: 'my-msp/cwsync', pushed: false });
    git(dir, 'update-ref', 'refs/remotes/origin/main', head); // as after git push
    expect(checkoutInfo(dir)).toEqual({ commit: head, repository: 'my-msp/cwsync', pushed: true });
    expect(checkoutInfo(clone('https://github.com/other/cwsync'))?.repository).toBe('other/cwsync');
  });

  it('an origin that is not GitHub, or none, leaves the repository to package.json; no checkout, no commit', () => {
    expect(checkoutInfo(clone('/srv/git/cwsync.git'))).not.toHaveProperty('repository');
    expect(checkoutInfo(clone())).not.toHaveProperty('repository');
    expect(checkoutInfo(tempDir('cwsync-not-a-clone-'))).toBeUndefined();
  });
});

describe('doctor on a fresh scaffold', () => {
  it('names the placeholders still in place and calls nothing, instead of timing out against them', async () => {
    const dir = scaffold();
    for (const k of ['CW_PUBLIC_KEY', 'CW_PRIVATE_KEY', 'CW_CLIENT_ID', 'MP_API_KEY']) vi.stubEnv(k, 'x');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const run = await inProcess(() => doctorCommand({ config: join(dir, 'config') }));
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        'still the placeholder: connectwise.company (yourcompany), usage.mailprotector.reseller (1)',
      );
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});

describe('a missing config points to cwsync init', () => {
  /** The command the fix names, as argument list: `cwsync init "my billing"` -> ['init', 'my billing']. */
  const named = (stderr: string) => {
    const m = /`cwsync init(?: "([^"]+)"| ([^\s`]+))?`/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const dir = m![1] ?? m![2];
    return dir === undefined ? ['init'] : ['init', dir];
  };

  it('no config/ here: the fix is `cwsync init`, and after it the config validates', async () => {
    const cwd = tempDir('cwsync-noconfig-');
    const missing = await runInProcess(['validate'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('config:1:1: config directory not found');
    const init = named(missing.stderr);
    expect(init).toEqual(['init']);
    expect((await runInProcess(init, { cwd })).code).toBe(0);
    expect(await runInProcess(['validate'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  });

  it("in a clone of cwsync, beside config.example/, it offers the sandbox's example too", async () => {
    const cwd = tempDir('cwsync-noconfig-');
    mkdirSync(join(cwd, 'config.example'));
    const missing = await runInProcess(['plan'], { cwd });
    expect(missing.stderr).toContain("or try the sandbox's example: --config config.example");
  });

  it('a config/ without its files, in a path with a space: init of that folder adds them and keeps what is there', async () => {
    const cwd = tempDir('cwsync-noconfig-');
    mkdirSync(join(cwd, 'my billing/config'), { recursive: true });
    writeFileSync(join(cwd, 'my billing/config/customers.yaml'), 'customers: []  # ours\n');
    const missing = await runInProcess(['plan', '--config', 'my billing/config'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('my billing/config/cwsync.yaml:1:1: cwsync.yaml is missing');
    expect(missing.stderr).toContain('my billing/config/services.yaml:1:1: services.yaml is missing');
    const init = named(missing.stderr);
    expect(init).toEqual(['init', 'my billing']);
    expect((await runInProcess(init, { cwd })).code).toBe(0);
    expect(read(join(cwd, 'my billing'), 'config/customers.yaml')).toBe('customers: []  # ours\n');
    expect(await runInProcess(['validate', '--config', 'my billing/config'], { cwd })).toMatchObject({
      code: 0,
      stderr: '',
    });
  });
});
