/** The workflows hold what the design requires. */
import { describe, expect, it } from 'vitest';
import { cwsyncLines, parserComplaint, workflow, workflowFiles } from '../helpers/workflows.js';

const SECRETS = ['CW_PUBLIC_KEY', 'CW_PRIVATE_KEY', 'CW_CLIENT_ID', 'MP_API_KEY'];

describe('workflows', () => {
  it('are the project CI, the pull-request plan and the nightly apply', () => {
    expect(workflowFiles().sort()).toEqual(['apply.yml', 'ci.yml', 'plan.yml']);
  });

  it('ci: installs, typechecks and tests on push and pull request', () => {
    const ci = workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    const runs = ci.jobs.test!.steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(['npm ci', 'npm test']);
  });

  it('plan: on pull requests touching config/, least privilege, validate, plan, comment, artifact', () => {
    const plan = workflow('plan.yml');
    expect(plan.on).toEqual({ pull_request: { paths: ['config/**'] } });
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const lines = cwsyncLines(plan).map((a) => a.join(' '));
    expect(lines).toEqual([
      'validate --config config',
      'comment --body-file validate.md',
      'plan --config config --format markdown --out plan.json --detailed-exitcode',
      'comment --body-file plan.md',
    ]);
    expect(
      plan.jobs.plan!.steps.some((s) => s.uses?.startsWith('actions/upload-artifact') && s.with?.path === 'plan.json'),
    ).toBe(true);
  });

  it('apply: nightly off the hour plus manual dispatch, one concurrency group never cancelled', () => {
    const apply = workflow('apply.yml');
    expect(Object.keys(apply.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const cron = (apply.on.schedule as Array<{ cron: string }>)[0]!.cron;
    const minute = cron.split(/\s+/)[0]!;
    expect(minute).toMatch(/^\d+$/);
    expect(Number(minute)).not.toBe(0);
    expect(apply.concurrency).toEqual({ group: 'cwsync-apply', 'cancel-in-progress': false });
    expect(apply.permissions).toEqual({ contents: 'read' });
  });

  it('apply: plans, then applies that very plan, and keeps plan and report as artifacts', () => {
    const apply = workflow('apply.yml');
    const lines = cwsyncLines(apply).map((a) => a.join(' '));
    expect(lines).toEqual([
      'validate --config config',
      'plan --config config --out plan.json',
      'apply --config config --plan plan.json --report report.json',
    ]);
    const steps = apply.jobs.apply!.steps;
    const applyStep = steps.find((s) => s.run?.includes('cwsync apply'))!;
    expect(applyStep.run).not.toMatch(/\|\|\s*true|set \+e/);
    expect(Object.keys(applyStep)).not.toContain('continue-on-error');
    const artifact = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    expect(String(artifact.with!.path)).toContain('report.json');
    expect(artifact.if).toContain('always()');
  });

  it.each(['plan.yml', 'apply.yml'])(
    '%s: takes the four secrets from repository secrets only, never as literals',
    (file) => {
      const env = workflow(file).jobs[file === 'plan.yml' ? 'plan' : 'apply']!.env!;
      for (const name of SECRETS) expect(env[name]).toBe(`\${{ secrets.${name} }}`);
      const text = JSON.stringify(workflow(file));
      expect(text).not.toMatch(/sandbox-(public|private|mp-key)/);
    },
  );

  it.each(workflowFiles())('%s: every cwsync command line is accepted by the real CLI parser', (file) => {
    for (const args of cwsyncLines(workflow(file))) expect(parserComplaint(args), args.join(' ')).toBeUndefined();
  });

  it('the parser check can fail: it rejects a typo and an unknown command', () => {
    expect(parserComplaint(['plan', '--formt', 'json'])).toMatch(/unknown option '--formt'/);
    expect(parserComplaint(['plan', '--format', 'yaml'])).toMatch(/Allowed choices are text, markdown, json/);
    expect(parserComplaint(['aply'])).toMatch(/unknown command 'aply'/);
  });
});
