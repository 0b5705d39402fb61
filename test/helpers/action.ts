/** Reading action.yml, and running one of its steps' scripts verbatim in bash, as GitHub would. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cli.js';
import { tempDir } from './temp.js';
import { type Context, condition, type Step, substitute } from './workflows.js';

interface ActionInput {
  description: string;
  required?: boolean;
  default?: string;
}

export interface ActionFile {
  name: string;
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

export const ACTION_TEXT = (dir = ROOT) => readFileSync(join(dir, 'action.yml'), 'utf8');
export const action = (dir = ROOT): ActionFile => parse(ACTION_TEXT(dir)) as ActionFile;

export interface StepRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the step wrote to $GITHUB_OUTPUT. */
  outputs: Record<string, string>;
}

/**
 * Runs the script of the step with this id as GitHub runs a `shell: bash` step
 * (`bash --noprofile --norc -eo pipefail`), its `env:` expressions resolved from the given
 * inputs (defaults from action.yml) and step outputs.
 */
export function runActionStep(
  id: string,
  given: { inputs: Record<string, string>; stepOutputs?: Record<string, string>; env?: Record<string, string> },
  cwd: string,
): Promise<StepRun> {
  const file = action();
  const step = file.runs.steps.find((s) => s.id === id);
  if (!step?.run) throw new Error(`action.yml has no run step with id ${id}`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(file.inputs)) inputs[name] = given.inputs[name] ?? spec.default ?? '';
  const resolve = (value: string) =>
    value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => {
      if (expr.startsWith('inputs.')) return inputs[expr.slice('inputs.'.length)] ?? '';
      const found = given.stepOutputs?.[expr];
      if (found === undefined) throw new Error(`no value for \${{ ${expr} }}`);
      return found;
    });
  const gh = tempDir('cwsync-action-');
  const outputFile = join(gh, 'output');
  writeFileSync(outputFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? gh,
    GITHUB_OUTPUT: outputFile,
    GITHUB_PATH: join(gh, 'path'),
    RUNNER_TEMP: gh,
    GITHUB_ACTION_PATH: ROOT,
    ...given.env,
  };
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = resolve(v);
  return new Promise((done) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const outputs = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      done({ code, stdout, stderr, outputs });
    });
  });
}

function readOutputs(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => done({ code, output }));
  });
}

export interface CompositeRun {
  code: number | null;
  output: string;
  outputs: Record<string, string>;
  /** Directories the action added through GITHUB_PATH. */
  path: string[];
}

/** `with:` over the action's defaults; an input the action does not declare is an error, as on GitHub. */
function inputsOf(file: ActionFile, given: Record<string, string>, dir: string): Record<string, string> {
  for (const name of Object.keys(given))
    if (!(name in file.inputs)) throw new Error(`the action in ${dir} has no input ${name}`);
  return Object.fromEntries(
    Object.entries(file.inputs).map(([name, spec]) => [name, given[name] ?? spec.default ?? '']),
  );
}

/** One `run:` step of the action, unless its `if:` skips it; undefined when it did not run. */
async function runCompositeStep(
  step: Step,
  ctx: Context,
  o: { cwd: string; env: Record<string, string>; outputFile: string },
): Promise<{ code: number | null; output: string } | undefined> {
  if (!step.run) return undefined;
  if (!condition(step.if, ctx)) {
    if (step.id) ctx.steps[step.id] = { outcome: 'skipped', outputs: {} };
    return undefined;
  }
  writeFileSync(o.outputFile, '');
  const env: Record<string, string> = { ...o.env, GITHUB_OUTPUT: o.outputFile };
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(String(v), ctx);
  const r = await bash(step.run, o.cwd, env);
  if (step.id)
    ctx.steps[step.id] = { outcome: r.code === 0 ? 'success' : 'failure', outputs: readOutputs(o.outputFile) };
  return r;
}

/**
 * A `uses:` step of a workflow, run as GitHub runs a composite action: the action.yml of the
 * local checkout `dir` (GITHUB_ACTION_PATH), its inputs from `with:` over the defaults, each `run:`
 * step verbatim in bash with its `if:` and `env:` expressions evaluated, step outputs through
 * GITHUB_OUTPUT, GITHUB_PATH kept for the job's later steps. Its `uses:` steps (setup-node) are
 * the runner's business: Node.js is already here.
 */
export async function runCompositeAction(
  dir: string,
  given: Record<string, string>,
  o: { cwd: string; env: Record<string, string>; github: Record<string, unknown> },
): Promise<CompositeRun> {
  const file = action(dir);
  const ctx: Context = {
    secrets: {},
    inputs: inputsOf(file, given, dir),
    github: o.github,
    steps: {},
    job: { status: 'success' },
    failed: false,
  };
  const gh = tempDir('cwsync-action-');
  const pathFile = join(gh, 'path');
  writeFileSync(pathFile, '');
  const env = { ...o.env, GITHUB_ACTION_PATH: dir, GITHUB_PATH: pathFile };
  let output = '';
  let code: number | null = 0;
  for (const step of file.runs.steps) {
    const r = await runCompositeStep(step, ctx, {
      cwd: o.cwd,
      env,
      outputFile: join(gh, `output-${step.id ?? 'step'}`),
    });
    output += r?.output ?? '';
    if (r && r.code !== 0) {
      code = r.code;
      ctx.failed = true;
      break;
    }
  }
  const outputs = Object.fromEntries(
    Object.entries(file.outputs ?? {}).map(([k, v]) => [k, substitute(String(v.value), ctx)]),
  );
  const path = readFileSync(pathFile, 'utf8').split('\n').filter(Boolean).reverse();
  return { code, output, outputs, path };
}
