/**
 * Typed errors. The CLI has one place (cli/run.ts) that turns these into exit codes, so
 * library code only says *what* went wrong, never how the process should end.
 */
import { plural } from './words.js';

/** A problem tied to a place in a config file. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  /** How to fix it, when we know. */
  hint?: string;
}

export function formatProblem(p: Problem): string {
  const head = `${p.file}:${p.line}:${p.col}: ${p.message}`;
  return p.hint ? `${head}\n    fix: ${p.hint}` : head;
}

export class CwsyncError extends Error {
  /** 1 = error, 3 = refused before any write. */
  readonly exitCode: 1 | 3;
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown; exitCode?: 1 | 3 } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** The config could not be loaded or is invalid; carries every problem found. */
export class ConfigError extends CwsyncError {
  constructor(readonly problems: Problem[]) {
    super(`${plural(problems.length, 'problem')} in the configuration`);
  }
}

/** Something cwsync refused to do before writing anything (exit 3). */
export class RefusedError extends CwsyncError {
  constructor(message: string, options: { hint?: string; details?: string } = {}) {
    super(message, { hint: options.hint, exitCode: 3 });
    this.details = options.details;
  }
  readonly details: string | undefined;
}

/** An error's message with its hint, for a line of a report or a binding error. */
export function withHint(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const hint = (err as { hint?: string }).hint;
  return hint ? `${err.message} (${hint})` : err.message;
}
