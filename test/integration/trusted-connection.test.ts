/**
 * SPEC §7, "a pull request never reaches a key": a pull request that points the connection
 * elsewhere (a capture server on loopback), or moves a secret reference, is refused (exit 3)
 * before any request, in a `pull_request` run (event file, real git repository with a base and
 * a head commit) and with `plan --base REF`. A pull request that changes only bindings plans.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { planCommand } from '../../src/cli/commands/plan.js';
import { usageCommand } from '../../src/cli/commands/usage.js';
import { buildProgram } from '../../src/cli/program.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type FakeServer, json, startServer } from '../../src/sandbox/harness.js';
import { inProcess } from '../helpers/config.js';
import { runInProcess } from '../helpers/in-process.js';
import { type Scene, startScene } from '../helpers/scene.js';
import { tempDir } from '../helpers/temp.js';

let scene: Scene;
let captureCw: FakeServer;
let captureMp: FakeServer;
let base: string;
const usagePath = join(tempDir('cwsync-usage-'), 'usage-snapshot.json');

beforeAll(async () => {
  scene = await startScene();
  // Servers that answer anything and count it: where a pull request would send the keys.
  captureCw = await startServer(() => json(200, []));
  captureMp = await startServer(() => json(200, []));
  base = (await simpleGit(scene.repo).revparse(['HEAD'])).trim();
  // The nightly's usage snapshot: a pull request's plan never reads Mailprotector.
  environment(true);
  const usage = await inProcess(() => usageCommand({ config: scene.configDir, format: 'json' }));
  expect(usage.code).toBe(0);
  writeFileSync(usagePath, usage.stdout);
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await Promise.all([scene?.close(), captureCw?.close(), captureMp?.close()]);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const git = () => simpleGit(scene.repo);

/** A pull request: a branch from the base commit with one edit to one config file, committed. */
async function pullRequest(name: string, file: string, edit: (text: string) => string): Promise<string> {
  await git().checkout(['-q', '-B', name, base]);
  await scene.edit(file, edit);
  return (await git().revparse(['HEAD'])).trim();
}

function pullRequestEvent(
  head: string,
  baseSha = base,
  baseRef = 'main',
  repository: object = { default_branch: 'main' },
): string {
  const path = join(tempDir('cwsync-event-'), 'event.json');
  writeFileSync(
    path,
    JSON.stringify({
      action: 'synchronize',
      pull_request: { number: 7, base: { sha: baseSha, ref: baseRef }, head: { sha: head } },
      repository,
    }),
  );
  return path;
}

function environment(credentials: boolean, event?: string) {
  vi.stubEnv('CWSYNC_QUIET', '1');
  vi.stubEnv('CWSYNC_LOG_LEVEL', 'silent');
  vi.stubEnv('GITHUB_STEP_SUMMARY', '');
  for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, credentials ? v : '');
  if (event) {
    vi.stubEnv('GITHUB_EVENT_NAME', 'pull_request');
    vi.stubEnv('GITHUB_EVENT_PATH', event);
  }
}

const plan = (extra: { base?: string; usageSnapshot?: string } = {}) =>
  inProcess(() =>
    planCommand({
      config: scene.configDir,
      format: 'text',
      maxUsageAge: '26h',
      detailedExitcode: true,
      ...extra,
    }),
  );

const requests = () =>
  captureCw.requests.length +
  captureMp.requests.length +
  scene.sandbox.cw.requests.length +
  scene.sandbox.mp.requests.length;

const CW_URL = /url: http:\/\/127\.0\.0\.1:\d+\/v4_6_release\/apis\/3\.0/;
const MP_URL = /url: http:\/\/127\.0\.0\.1:\d+\/api\/v1/;

const CASES: Array<{ what: string; edit: (t: string) => string; keys: string[] }> = [
  {
    what: 'the ConnectWise url',
    edit: (t) => t.replace(CW_URL, () => `url: ${captureCw.origin}/v4_6_release/apis/3.0`),
    keys: ['connectwise.url'],
  },
  {
    what: 'the Mailprotector url',
    edit: (t) => t.replace(MP_URL, () => `url: ${captureMp.origin}/api/v1`),
    keys: ['usage.mailprotector.url'],
  },
  {
    what: 'which secret goes where (privateKey from env to { file: /etc/hostname })',
    edit: (t) => t.replace('privateKey: { env: CW_PRIVATE_KEY }', 'privateKey: { file: /etc/hostname }'),
    keys: ['connectwise.privateKey'],
  },
  {
    what: 'both urls and the Mailprotector key reference at once',
    edit: (t) =>
      t
        .replace(CW_URL, () => `url: ${captureCw.origin}/v4_6_release/apis/3.0`)
        .replace(MP_URL, () => `url: ${captureMp.origin}/api/v1`)
        .replace('apiKey: { env: MP_API_KEY }', 'apiKey: { env: CW_PRIVATE_KEY }'),
    keys: ['connectwise.url', 'usage.mailprotector.apiKey', 'usage.mailprotector.url'],
  },
];

type Run = { code: number; stdout: string; stderr: string };

/** Exit 3 with nothing sent (the sandbox's count unchanged, the capture servers untouched) and no secret in the words. */
function expectRefusedUnsent(r: Run, before: number, label: string): void {
  expect(r.code, label).toBe(3);
  expect(requests(), label).toBe(before);
  expect(captureCw.requests).toHaveLength(0);
  expect(captureMp.requests).toHaveLength(0);
  for (const v of Object.values(DEMO_ENV)) expect(r.stderr).not.toContain(v);
}

/** One plan of a connection-changing head, in a pull_request run or with --base: refused, naming each changed key. */
async function expectPlanRefused(
  c: (typeof CASES)[number],
  head: string,
  mode: 'pull_request' | '--base',
  credentials: boolean,
) {
  vi.unstubAllEnvs();
  const inPullRequest = mode === 'pull_request';
  environment(credentials, inPullRequest ? pullRequestEvent(head) : undefined);
  const before = requests();
  const r = await plan(inPullRequest ? { usageSnapshot: usagePath } : { base });
  expectRefusedUnsent(r, before, `${mode} ${credentials}`);
  for (const key of c.keys) expect(r.stderr).toContain(`  - ${key}\n`);
  expect(r.stderr).toContain('Connection changes take effect after review and merge');
  expect(r.stderr).toContain(inPullRequest ? `base commit ${base.slice(0, 12)}` : `--base ${base}`);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toContain(captureCw.origin);
}

describe('a pull request that changes the connection is refused before any request', () => {
  for (const c of CASES)
    it(`${c.what}: in a pull_request run and with --base, with and without credentials`, async () => {
      const head = await pullRequest(`pr-${c.keys.join('-')}`, 'cwsync.yaml', c.edit);
      for (const mode of ['pull_request', '--base'] as const)
        for (const credentials of [true, false]) await expectPlanRefused(c, head, mode, credentials);
    });
});

describe('every command that connects checks the connection in a pull_request run', () => {
  // A workflow edited in the pull request could run any command, not only plan.
  const COMMANDS: string[][] = [
    ['usage'],
    ['doctor'],
    ['import', '--out', 'imported.yaml'],
    ['snapshot', '--out', 'target-snapshot.json'],
    ['apply', '--yes'],
    ['explain', 'Contoso Ltd'],
  ];
  // Commands that connect to nothing: validate reads files; comment and notify talk to GitHub only; init
  // writes files; sandbox serves. plan is the subject of the rest of this file.
  const NOT_CONNECTING = ['comment', 'init', 'notify', 'plan', 'sandbox', 'validate'];
  it('every command of the program is either checked here or known not to connect', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect([...names].sort()).toEqual([...COMMANDS.map((c) => c[0]!), ...NOT_CONNECTING].sort());
  });

  it('usage, doctor, import, snapshot, apply and explain: exit 3, nothing sent, the changed keys named', async () => {
    const head = await pullRequest('pr-every-command', 'cwsync.yaml', CASES[3]!.edit);
    const event = pullRequestEvent(head);
    for (const args of COMMANDS) {
      vi.unstubAllEnvs();
      environment(true, event);
      const before = requests();
      const r = await runInProcess([...args, '--config', scene.configDir], { cwd: tempDir('cwsync-pr-cmd-') });
      expectRefusedUnsent(r, before, args[0]!);
      expect(r.stderr, args[0]).toContain('  - connectwise.url\n');
    }
  });
});

describe('what the check does not stop, and where it fails closed', () => {
  it('a pull request that changes only a binding still plans, in a pull_request run and with --base (exit 2)', async () => {
    const head = await pullRequest('pr-binding', 'customers.yaml', (t) =>
      t.replace('SafeSend: { minimum: 25 }', 'SafeSend: { minimum: 30 }'),
    );
    environment(true, pullRequestEvent(head));
    const inPr = await plan({ usageSnapshot: usagePath });
    expect(inPr.stderr).toBe('');
    expect(inPr.code).toBe(2);
    expect(inPr.stdout).toContain('Contoso');
    vi.unstubAllEnvs();
    environment(true);
    const viaBase = await plan({ base: 'HEAD~1' });
    expect(viaBase.code).toBe(2);
    expect(captureCw.requests).toHaveLength(0);
    expect(captureMp.requests).toHaveLength(0);
    expect(scene.sandbox.cw.requests.length).toBeGreaterThan(0);
  });

  it('tuning (concurrency, rate, timeouts) and policy may change in a pull request', async () => {
    const head = await pullRequest('pr-tuning', 'cwsync.yaml', (t) =>
      t
        .replace('# concurrency: 4                   # requests in flight at once', 'concurrency: 2')
        .replace('onZero: zero', 'onZero: keep'),
    );
    environment(true, pullRequestEvent(head));
    expect((await plan({ usageSnapshot: usagePath })).code).toBe(2);
  });

  it('a pull_request run never reads Mailprotector: without the usage snapshot it is refused before any request', async () => {
    const head = await pullRequest('pr-live-usage', 'customers.yaml', (t) => t);
    environment(true, pullRequestEvent(head));
    const before = requests();
    const r = await plan();
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("a pull request's plan never reads Mailprotector");
    expect(requests()).toBe(before);
  });

  it('a pull request into a branch other than the default one is refused, even when that branch holds its connection', async () => {
    // Two branches of the attacker's: the base moves the url, the head builds on it with a harmless change.
    await pullRequest('evil-base', 'cwsync.yaml', CASES[0]!.edit);
    const evilBase = (await git().revparse(['HEAD'])).trim();
    await scene.edit('cwsync.yaml', (t) => t.replace('onZero: zero', 'onZero: keep'));
    const head = (await git().revparse(['HEAD'])).trim();
    for (const event of [
      pullRequestEvent(head, evilBase, 'evil-base'),
      pullRequestEvent(head, evilBase, 'evil-base', {}),
      pullRequestEvent(head, evilBase, 'main', { default_branch: '' }),
    ]) {
      vi.unstubAllEnvs();
      environment(true, event);
      const before = requests();
      const r = await plan({ usageSnapshot: usagePath });
      expectRefusedUnsent(r, before, event);
    }
    vi.unstubAllEnvs();
    environment(true, pullRequestEvent(head, evilBase, 'evil-base'));
    const r = await plan({ usageSnapshot: usagePath });
    expect(r.stderr).toContain('this pull request is into "evil-base", not the default branch "main"');
    expect(r.stderr).toContain('open the pull request against main');
  });

  it('a base commit missing from a shallow clone is refused, pointing at fetch-depth', async () => {
    const head = await pullRequest('pr-shallow', 'customers.yaml', (t) => t);
    environment(true, pullRequestEvent(head, 'f'.repeat(40)));
    const before = requests();
    const r = await plan();
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('fetch-depth: 0');
    expect(requests()).toBe(before);
  });

  it('a pull_request run whose event holds no base commit is refused, never planned on trust', async () => {
    const path = join(tempDir('cwsync-event-'), 'event.json');
    writeFileSync(path, JSON.stringify({ pull_request: { number: 7, head: { sha: base } } }));
    await git().checkout(['-q', '-B', 'pr-nobase', base]);
    environment(true, path);
    const before = requests();
    const r = await plan();
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('pull_request.base.sha');
    expect(requests()).toBe(before);
  });

  it('a base without a config is a new connection: refused until merged', async () => {
    await git().checkout(['-q', '-B', 'pr-new', base]);
    const empty = (await git().raw(['commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'empty'])).trim();
    environment(true);
    const r = await plan({ base: empty });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('has no cwsync.yaml');
  });

  it('a base whose cwsync.yaml is a symbolic link is refused, never followed', async () => {
    await git().checkout(['-q', '-B', 'pr-link', base]);
    // A commit whose config/cwsync.yaml is a link (mode 120000) to a file of the runner.
    const g = (args: string[], input?: string) =>
      execFileSync('git', args, {
        cwd: scene.repo,
        encoding: 'utf8',
        ...(input === undefined ? {} : { input }),
      }).trim();
    const link = g(['hash-object', '-w', '--stdin'], '/etc/hostname');
    const configTree = g(['rev-parse', `${base}:config`]);
    const entries = g(['ls-tree', configTree])
      .split('\n')
      .filter((l) => !l.endsWith('\tcwsync.yaml'));
    entries.push(`120000 blob ${link}\tcwsync.yaml`);
    const linked = g(['mktree'], `${entries.join('\n')}\n`);
    const root = g(['mktree'], `040000 tree ${linked}\tconfig\n`);
    const commit = g(['commit-tree', root, '-m', 'link']);
    environment(true);
    const r = await plan({ base: commit });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is not a regular file (git mode 120000)');
  });

  it('--base that git would read as an option is refused', async () => {
    environment(true);
    const r = await plan({ base: '--output=/tmp/x' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is not a commit id or branch name');
    expect(r.stderr).not.toContain('--output');
  });

  it('through the binary: a pull_request run that moves the ConnectWise url exits 3 and sends nothing', async () => {
    const head = await pullRequest('pr-binary', 'cwsync.yaml', CASES[0]!.edit);
    const before = requests();
    const r = await scene.run(['plan', '--config', 'config', '--detailed-exitcode'], {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: pullRequestEvent(head),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('refused: the connection differs from the pull request');
    expect(r.stderr).toContain('  - connectwise.url\n');
    expect(requests()).toBe(before);
    expect(captureCw.requests).toHaveLength(0);
  });
});
