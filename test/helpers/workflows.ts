/** Reading the GitHub workflows, and checking command lines with the real CLI parser. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { ROOT } from './cli.js';

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { env?: Record<string, string>; steps: Step[]; 'timeout-minutes'?: number }>;
}

export const WORKFLOW_DIR = join(ROOT, '.github/workflows');

export function workflow(file: string): Workflow {
  return parse(readFileSync(join(WORKFLOW_DIR, file), 'utf8')) as Workflow;
}

export const workflowFiles = () => readdirSync(WORKFLOW_DIR).filter((f) => f.endsWith('.yml'));

/** The argument lists of every `npx cwsync ...` line in a workflow's run scripts. */
export function cwsyncLines(wf: Workflow): string[][] {
  const out: string[][] = [];
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps) {
      for (const line of (step.run ?? '').split('\n')) {
        const at = line.indexOf('npx cwsync');
        if (at < 0) continue;
        const command = line.slice(at + 'npx cwsync'.length).split(/\s(?:>|\||2>&1|;|&&)/)[0]!;
        out.push(command.trim().split(/\s+/).filter(Boolean));
      }
    }
  }
  return out;
}

/** undefined when the real CLI parser accepts the arguments, else its complaint. Runs nothing. */
export function parserComplaint(args: string[]): string | undefined {
  const program = buildProgram();
  const quiet = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    c.commands.forEach(quiet);
  };
  quiet(program);
  for (const c of program.commands) c.action(() => undefined);
  try {
    program.parse(['node', 'cwsync', ...args]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
