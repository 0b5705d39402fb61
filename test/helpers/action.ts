/** Reading action.yml, and running one of its steps' scripts verbatim in bash, as GitHub would. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cli.js';
import { tempDir } from './temp.js';
import type { Step } from './workflows.js';

export interface ActionInput {
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

export const ACTION_TEXT = () => readFileSync(join(ROOT, 'action.yml'), 'utf8');
export const action = (): ActionFile => parse(ACTION_TEXT()) as ActionFile;

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
