/**
 * Runs `cwsync ARGS` in this process, through the same commander program, command modules and
 * exit-code mapping as the binary, with its own working directory and environment, capturing
 * stdout and stderr. A spawned CLI costs about a CPU-second; this costs milliseconds. Use the
 * real binary (cli.ts) only where the journey is about the binary itself: its start-up, its
 * package, signals, or two processes at once.
 *
 * The working directory, the environment and the two streams belong to the whole process, so
 * runs in one test file take turns (a queue); vitest's forks pool gives each file its own process.
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { describeError } from '../../src/cli/run.js';
import { type CliResult, ROOT } from './cli.js';

export interface InProcessOptions {
  cwd?: string;
  /** Added to this process's environment (with NO_COLOR=1), as runCli does. */
  env?: Record<string, string | undefined>;
  /** The whole environment instead: nothing inherited, nothing added. */
  exactEnv?: Record<string, string>;
}

/** What was written, in order, as the process's two streams would have seen it. */
interface Chunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface InProcessResult extends CliResult {
  chunks: Chunk[];
}

let queue: Promise<unknown> = Promise.resolve();

export function runInProcess(args: string[], options: InProcessOptions = {}): Promise<InProcessResult> {
  const next = queue.then(() => runOnce(args, options));
  queue = next.catch(() => undefined);
  return next;
}

function quietExits(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) quietExits(sub);
}

type Write = typeof process.stdout.write;

async function runOnce(args: string[], options: InProcessOptions): Promise<InProcessResult> {
  const saved = { env: { ...process.env }, cwd: process.cwd(), exitCode: process.exitCode };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const out = { stdout: '', stderr: '' };
  const chunks: Chunk[] = [];
  const capture =
    (stream: 'stdout' | 'stderr'): Write =>
    (chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      out[stream] += text;
      chunks.push({ stream, text });
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    };
  setEnv(options.exactEnv ?? { ...saved.env, NO_COLOR: '1', ...options.env });
  process.chdir(options.cwd ?? ROOT);
  process.exitCode = undefined;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  let code: number;
  try {
    const program = buildProgram();
    quietExits(program);
    await program.parseAsync(['node', 'cwsync', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) code = err.exitCode;
    else {
      const described = describeError(err);
      out.stderr += `${described.text}\n`;
      chunks.push({ stream: 'stderr', text: `${described.text}\n` });
      code = described.code;
    }
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exitCode = saved.exitCode;
    process.chdir(saved.cwd);
    setEnv(saved.env);
  }
  return { code, ...out, chunks };
}

/** Replaces process.env's contents in place (process.env itself must stay the same object). */
function setEnv(env: Record<string, string | undefined>): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  for (const [key, value] of Object.entries(env)) if (value !== undefined) process.env[key] = value;
}
