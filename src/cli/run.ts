/** The ONE place where outcomes become exit codes: 0 ok, 1 error, 2 changes (opt-in), 3 refused. */
import { ConfigError, CwsyncError, formatProblem, RefusedError } from '../errors.js';
import { shownLines } from '../text-hygiene.js';

export type ExitCode = 0 | 1 | 2 | 3;

export function describeError(err: unknown): { text: string; code: ExitCode } {
  const { text, code } = describeRaw(err);
  // Messages quote names from the APIs and the config: shown escaped, line by line.
  return { text: shownLines(text), code };
}

function describeRaw(err: unknown): { text: string; code: ExitCode } {
  if (err instanceof ConfigError) {
    return { text: `${err.problems.map(formatProblem).join('\n')}\n\n${err.message}`, code: 1 };
  }
  if (err instanceof RefusedError) {
    const parts = [`refused: ${err.message}`, err.details, err.hint ? `fix: ${err.hint}` : undefined];
    return { text: parts.filter(Boolean).join('\n'), code: 3 };
  }
  if (err instanceof CwsyncError) {
    return { text: `error: ${err.message}${err.hint ? `\nfix: ${err.hint}` : ''}`, code: err.exitCode };
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { text: `internal error (please report it): ${message}`, code: 1 };
}

/** Runs a command action and ends the process with its exit code. */
export async function run(action: () => Promise<ExitCode>): Promise<void> {
  let code: ExitCode;
  try {
    code = await action();
  } catch (err) {
    const { text, code: c } = describeError(err);
    process.stderr.write(`${text}\n`);
    code = c;
  }
  process.exitCode = code;
}
