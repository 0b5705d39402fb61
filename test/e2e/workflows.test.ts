/**
 * The steps of plan.yml and apply.yml run as shell commands, verbatim, in a real repo against
 * the sandbox, with a fake GitHub API on loopback: proof the workflows' commands work together.
 * `npx` is a shim that runs this build of cwsync; `uses:` steps and `npm ci` are GitHub's.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARKER } from '../../src/github/comment.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type FakeServer, json, startServer } from '../../src/sandbox/harness.js';
import { CLI } from '../helpers/cli.js';
import { type Scene, startScene } from '../helpers/scene.js';
import { tempDir } from '../helpers/temp.js';
import { type Step, workflow } from '../helpers/workflows.js';

let scene: Scene | undefined;
let github: FakeServer | undefined;
afterEach(async () => {
  await scene?.close();
  await github?.close();
});

interface FakeComment {
  id: number;
  body: string;
}

async function fakeGitHub(comments: FakeComment[]): Promise<FakeServer> {
  let next = 1000;
  return startServer((req) => {
    if (req.headers.authorization !== 'Bearer ghs_workflow') return json(401, { message: 'Bad credentials' });
    if (req.method === 'GET' && req.path === '/repos/msp/config/issues/7/comments') return json(200, comments);
    if (req.method === 'POST' && req.path === '/repos/msp/config/issues/7/comments') {
      const c = { id: next++, body: (req.body as { body: string }).body };
      comments.push(c);
      return json(201, { ...c, html_url: `https://github.test/msp/config/pull/7#issuecomment-${c.id}` });
    }
    const m = /^\/repos\/msp\/config\/issues\/comments\/(\d+)$/.exec(req.path);
    if (req.method === 'PATCH' && m) {
      const c = comments.find((x) => x.id === Number(m[1]))!;
      c.body = (req.body as { body: string }).body;
      return json(200, c);
    }
    return json(404, { message: 'Not Found' });
  });
}

/** Runs a workflow job's steps in order as GitHub would, returning each step's exit code. */
function sh(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  // Asynchronous on purpose: the fake servers live in this process and must keep answering.
  return new Promise((resolve) => {
    const child = spawn('bash', args, { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function runJob(
  steps: Step[],
  jobEnv: Record<string, string>,
  cwd: string,
  env: Record<string, string>,
): Promise<Array<{ step: string; code: number | null; output: string }>> {
  const bin = tempDir('cwsync-bin-');
  writeFileSync(
    join(bin, 'npx'),
    `#!/bin/sh\nif [ "$1" = cwsync ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi\necho "npx shim: only cwsync" >&2; exit 127\n`,
  );
  chmodSync(join(bin, 'npx'), 0o755);
  const outputFile = env.GITHUB_OUTPUT!;
  const results: Array<{ step: string; code: number | null; output: string }> = [];
  let failed = false;
  for (const step of steps) {
    if (!step.run || step.run === 'npm ci') continue;
    const outputs = Object.fromEntries(
      readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=') as [string, string]),
    );
    const cond = step.if ?? 'success()';
    const wanted = [...cond.matchAll(/steps\.\w+\.outputs\.(\w+) == '([^']*)'/g)].every(
      ([, k, v]) => outputs[k!] === v,
    );
    const when = cond.includes('failure()') ? failed : cond.includes('always()') ? true : !failed;
    if (!when || !wanted) continue;
    const stepEnv = {
      ...process.env,
      ...jobEnv,
      ...env,
      ...step.env,
      PATH: `${bin}:${process.env.PATH}`,
      NO_COLOR: '1',
    } as Record<string, string>;
    for (const [k, v] of Object.entries(stepEnv))
      if (v === '${{ secrets.GITHUB_TOKEN }}') stepEnv[k] = env.GITHUB_TOKEN!;
    const shellArgs =
      step.shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run] : ['-e', '-c', step.run];
    const r = await sh(shellArgs, cwd, stepEnv);
    results.push({ step: step.name ?? step.run, code: r.code, output: r.output });
    if (r.code !== 0) failed = true;
  }
  return results;
}

function githubEnv(dir: string, origin: string): Record<string, string> {
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ action: 'opened', pull_request: { number: 7 } }));
  writeFileSync(join(dir, 'output'), '');
  writeFileSync(join(dir, 'summary.md'), '');
  return {
    GITHUB_TOKEN: 'ghs_workflow',
    GITHUB_REPOSITORY: 'msp/config',
    GITHUB_API_URL: origin,
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    ...DEMO_ENV,
    CWSYNC_RETRY_BASE_MS: '5',
  };
}

/** The job env with secrets resolved the way GitHub would from repository secrets. */
function jobEnv(raw: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    const secret = /^\$\{\{ secrets\.(\w+) \}\}$/.exec(v);
    out[k] = secret ? (DEMO_ENV as Record<string, string>)[secret[1]!]! : v;
  }
  return out;
}

describe('the workflows, run step by step', () => {
  it('plan.yml comments the plan once, keeps it in place on a second push; apply.yml applies that plan', async () => {
    scene = await startScene();
    const comments: FakeComment[] = [{ id: 1, body: 'Looks good to me' }];
    github = await fakeGitHub(comments);
    const gh = tempDir('cwsync-gh-');
    const env = githubEnv(gh, github.origin);
    const plan = workflow('plan.yml').jobs.plan!;

    const first = await runJob(plan.steps, jobEnv(plan.env), scene.repo, env);
    expect(first.map((r) => [r.step, r.code])).toEqual([
      ['Validate', 0],
      ['Plan', 0],
      ['Comment the plan', 0],
    ]);
    expect(comments).toHaveLength(2);
    expect(comments[1]!.body.startsWith(`${MARKER}\n### cwsync plan: 4 changes on 4 agreements`)).toBe(true);
    expect(existsSync(join(scene.repo, 'plan.json'))).toBe(true);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('### cwsync plan: 4 changes on 4 agreements');

    const second = await runJob(plan.steps, jobEnv(plan.env), scene.repo, env);
    expect(second.find((r) => r.step === 'Comment the plan')!.output).toContain(
      'plan comment unchanged on pull request #7; not updated',
    );
    expect(github.requests.filter((r) => r.method !== 'GET')).toHaveLength(1);

    const apply = workflow('apply.yml').jobs.apply!;
    const nightly = await runJob(apply.steps, jobEnv(apply.env), scene.repo, {
      ...env,
      GITHUB_EVENT_PATH: join(gh, 'schedule.json'),
    });
    expect(nightly.map((r) => [r.step, r.code])).toEqual([
      ['Check for a config', 0],
      ['Validate', 0],
      ['Plan', 0],
      ['Apply the plan', 0],
    ]);
    const report = JSON.parse(readFileSync(join(scene.repo, 'report.json'), 'utf8'));
    expect(report.summary).toEqual({ applied: 4, failed: 0, unknown: 0, held: 0, skipped: 0, errors: 0 });
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain(
      '### cwsync apply: Applied 4, failed 0, unknown 0, held 0, skipped 0, binding errors 0.',
    );

    const after = await runJob(plan.steps, jobEnv(plan.env), scene.repo, env);
    expect(after.every((r) => r.code === 0)).toBe(true);
    expect(comments[1]!.body).toContain('### cwsync plan: No changes');
  });

  it('plan.yml comments the validation problems of a broken config, and fails the job', async () => {
    scene = await startScene();
    await scene.edit('services.yaml', (t) => t.replace('CloudFilter: MP-CLOUDFILTER', 'CloudFiltr: MP-CLOUDFILTER'));
    const comments: FakeComment[] = [];
    github = await fakeGitHub(comments);
    const env = githubEnv(tempDir('cwsync-gh-'), github.origin);
    const plan = workflow('plan.yml').jobs.plan!;
    const results = await runJob(plan.steps, jobEnv(plan.env), scene.repo, env);
    expect(results.map((r) => [r.step, r.code])).toEqual([
      ['Validate', 1],
      ['Comment the validation problems', 0],
    ]);
    expect(comments[0]!.body).toContain('### cwsync: the config is invalid');
    expect(comments[0]!.body).toContain(
      'config/services.yaml:12:3: unknown Mailprotector service "CloudFiltr". Did you mean "CloudFilter"?',
    );
  });

  it('apply.yml without a config/ directory says so and succeeds without calling anything', async () => {
    const repo = tempDir();
    const apply = workflow('apply.yml').jobs.apply!;
    const env = githubEnv(tempDir('cwsync-gh-'), 'http://127.0.0.1:1');
    const results = await runJob(apply.steps, jobEnv(apply.env), repo, env);
    expect(results.map((r) => [r.step, r.code])).toEqual([['Check for a config', 0]]);
    expect(results[0]!.output).toContain('no config/ yet');
  });
});
