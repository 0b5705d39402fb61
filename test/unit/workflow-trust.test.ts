/**
 * Trust boundaries of every workflow, the project's own and those `cwsync init` writes (SPEC
 * section 7): a pull request never reaches a write key nor the Mailprotector key (no fallback to
 * them either), write keys only in the default-branch-only `billing` environment, a forced run
 * behind `cwsync-approval`, install scripts off wherever a key is held, and data printed by
 * cwsync wrapped so it never runs as a workflow command. Each check is shown to fail on a
 * planted violation.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scaffoldFiles } from '../../src/init/scaffold.js';
import {
  type Job,
  pullRequestKeyProblems,
  type Step,
  stepsOf,
  WORKFLOW_DIR,
  type Workflow,
  workflowFiles,
} from '../helpers/workflows.js';

const own = workflowFiles().map((f) => ({ name: f, text: readFileSync(join(WORKFLOW_DIR, f), 'utf8') }));
const init = scaffoldFiles()
  .filter((f) => f.path.startsWith('.github/workflows/'))
  .map((f) => ({ name: `init ${f.path}`, text: f.content }));
const ALL = [...own, ...init];
const PR = ALL.filter((w) => /^\s*pull_request:/m.test(w.text));

const WRITE_SECRET = /secrets\.(CW_PUBLIC_KEY|CW_PRIVATE_KEY|MP_API_KEY)\b/;

/** Jobs whose steps name a ConnectWise or Mailprotector secret. */
function keyJobs(text: string): Array<[string, Job]> {
  const wf = parse(text) as Workflow;
  return Object.entries(wf.jobs).filter(([, j]) => /secrets\.(CW|MP)_/.test(JSON.stringify(j.steps)));
}

describe('pull-request workflows never reach a write key nor the Mailprotector key', () => {
  it('are the plan workflows, the project one and the one init writes', () => {
    expect(PR.map((w) => w.name).sort()).toEqual(['ci.yml', 'init .github/workflows/cwsync-plan.yml', 'plan.yml']);
  });

  it.each(PR.map((w) => [w.name, w.text]))(
    '%s: no fallback to a write key, no write or Mailprotector key',
    (_, text) => {
      expect(pullRequestKeyProblems(text)).toEqual([]);
      expect(text).not.toContain('pull_request_target');
    },
  );

  it('the lint fails on the old fallback, a write key, the Mailprotector key, or a key on the job', () => {
    const plan = own.find((w) => w.name === 'plan.yml')!.text;
    const planted = (from: string, to: string) => {
      expect(plan).toContain(from);
      return pullRequestKeyProblems(plan.replace(from, to));
    };
    const ro = 'CW_READONLY_PUBLIC_KEY: ${{ secrets.CW_READONLY_PUBLIC_KEY }}';
    expect(planted(ro, 'CW_PUBLIC_KEY: ${{ secrets.CW_READONLY_PUBLIC_KEY || secrets.CW_PUBLIC_KEY }}')).toEqual([
      expect.stringContaining('a fallback to another key'),
    ]);
    expect(planted(ro, 'CW_PUBLIC_KEY: ${{ secrets.CW_READONLY_PUBLIC_KEY ||secrets.CW_OTHER }}')).toHaveLength(1);
    expect(planted(ro, `${ro}\n          MP_API_KEY: \${{ secrets.MP_API_KEY }}`)).toEqual([
      expect.stringContaining('a key no pull request may reach: MP_API_KEY'),
    ]);
    expect(planted(ro, `${ro}\n          CW_PRIVATE_KEY: \${{ secrets.CW_PRIVATE_KEY }}`)).toHaveLength(1);
    expect(
      planted('    env:\n      CWSYNC_LOG_LEVEL: warn', '    env:\n      K: ${{ secrets.CW_READONLY_PUBLIC_KEY }}'),
    ).toEqual(['a key in the env of job plan']);
    // A workflow not triggered by pull requests is not judged by this rule.
    expect(pullRequestKeyProblems(own.find((w) => w.name === 'apply.yml')!.text)).toEqual([]);
  });
});

describe('keys, environments and installs in every workflow', () => {
  it.each(ALL.map((w) => [w.name, w.text]))('%s: write keys only in jobs of the billing environment', (_, text) => {
    for (const [name, job] of keyJobs(text))
      if (WRITE_SECRET.test(JSON.stringify(job.steps))) expect(job.environment, name).toBe('billing');
  });

  it.each(ALL.map((w) => [w.name, w.text]))('%s: every npm ci runs with install scripts off', (_, text) => {
    const installs = stepsOf(parse(text) as Workflow)
      .filter((s) => s.job !== 'test')
      .flatMap((s) =>
        (s.run ?? '')
          .split('\n')
          .filter((line) => /(^|&&|;)\s*npm (ci|install|i)\b/.test(line))
          .map((line) => ({ line, where: `${s.job}: ${s.name}` })),
      );
    for (const { line, where } of installs) expect(line, where).toContain('--ignore-scripts');
  });

  it.each(ALL.filter((w) => /apply/.test(w.name)).map((w) => [w.name, w.text]))(
    '%s: a forced run waits in cwsync-approval, then applies in billing, reading its approvals',
    (_, text) => {
      const wf = parse(text) as Workflow;
      expect(wf.jobs.approve!.environment).toBe('cwsync-approval');
      expect(JSON.stringify(wf.jobs.approve!.steps)).not.toContain('secrets.');
      expect(wf.jobs.apply!.needs).toBe('approve');
      expect(wf.jobs.apply!.environment).toBe('billing');
      expect(wf.jobs.apply!.permissions?.actions).toBe('read');
      // Creates whose outcome is unknown are remembered across runs: the state dir the apply step
      // names is restored before it (newest earlier run) and saved after it, even when it failed.
      const steps = wf.jobs.apply!.steps;
      const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
      const apply = at((s) => s.id === 'apply');
      expect(steps[apply]!.run).toContain('--state-dir .cwsync-state');
      const cache = (kind: string) => (s: Step) =>
        Boolean(s.uses?.startsWith(`actions/cache/${kind}@`)) && s.with?.path === '.cwsync-state';
      const restore = at(cache('restore'));
      const save = at(cache('save'));
      expect(restore).toBeGreaterThanOrEqual(0);
      expect(restore).toBeLessThan(apply);
      expect(save).toBeGreaterThan(apply);
      expect(steps[restore]!.with!['restore-keys']).toBe('cwsync-state-');
      expect(steps[save]!.with!.key).toBe('cwsync-state-${{ github.run_id }}-${{ github.run_attempt }}');
      expect(steps[save]!.if).toBe("always() && steps.apply.outcome != 'skipped'");
    },
  );

  it.each(ALL.map((w) => [w.name, w.text]))('%s: output of cwsync is printed only inside stop-commands', (_, text) => {
    const wf = parse(text) as Workflow;
    for (const job of Object.values(wf.jobs))
      for (const s of job.steps) {
        const run = s.run ?? '';
        if (!/^\s*((npx )?cwsync (validate|usage|plan|apply|import) |cat plan\.txt)/m.test(run)) continue;
        expect(run.split('\n')[0], s.name).toMatch(/^stop=\$\(od -An -N16 -tx1 \/dev\/urandom/);
        expect(run.split('\n')[1], s.name).toContain(`trap 'echo "::$stop::"' EXIT`);
      }
  });
});

/** Why a workflow's new-customers job could need "Allow GitHub Actions to create and approve pull requests". */
function appTokenProblems(text: string): string[] {
  const job = (parse(text) as Workflow).jobs['new-customers'];
  if (!job) return ['no new-customers job'];
  const app = job.steps.find((s) => s.uses?.startsWith('actions/create-github-app-token@'));
  const opens = job.steps.find((s) => /cwsync import .*--pull-request/.test(s.run ?? ''));
  const problems: string[] = [];
  if (!app?.id) problems.push('no GitHub App token step');
  else {
    if (!/(^|&& )vars\.CWSYNC_APP_ID != ''$/.test(app.if ?? ''))
      problems.push('the App step does not depend on CWSYNC_APP_ID');
    if (app.with?.['private-key'] !== '${{ secrets.CWSYNC_APP_PRIVATE_KEY }}')
      problems.push('the App key is not the secret');
    if (opens?.env?.GITHUB_TOKEN !== `\${{ steps.${app.id}.outputs.token || github.token }}`)
      problems.push('the pull request is not opened with the App token first');
  }
  if (job.environment !== 'billing') problems.push('the App key is not confined to billing');
  return problems;
}

describe('the new-customers pull request is opened with a GitHub App token', () => {
  const apply = ALL.filter((w) => /apply/.test(w.name));

  it.each(apply.map((w) => [w.name, w.text]))(
    '%s: the App token first, the workflow token only without an App',
    (_, text) => {
      expect(appTokenProblems(text)).toEqual([]);
    },
  );

  it('the check fails when the import takes the workflow token alone', () => {
    const planted = apply[0]!.text.replace(
      '${{ steps.app-token.outputs.token || github.token }}',
      '${{ github.token }}',
    );
    expect(appTokenProblems(planted)).toEqual(['the pull request is not opened with the App token first']);
  });
});

describe('a forced run echoes its inputs as workflow-command data', () => {
  const apply = ALL.filter((w) => /apply/.test(w.name));
  it.each(apply.map((w) => [w.name, w.text]))('%s: a line break in customers starts no command', (_, text) => {
    const step = (parse(text) as Workflow).jobs.approve!.steps.find((s) => /::notice/.test(s.run ?? ''))!;
    const out = execFileSync('bash', ['-c', step.run!], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        GITHUB_ACTOR: 'mallory',
        CUSTOMERS: 'Contoso\n::add-mask::Contoso\r\n::error::x 100%',
      },
    });
    expect(out.split('\n').filter((l) => l.trimStart().startsWith('::'))).toEqual([
      '::notice title=cwsync forced apply approved::started by mallory for Contoso%0A::add-mask::Contoso%0D%0A::error::x 100%25',
    ]);
  });
});
