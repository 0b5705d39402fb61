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

/**
 * One call to a vendor's API, as messages name it: `ConnectWise list agreements (GET
 * /finance/agreements)`. The adapter fills it in, its vendor's name included; the core never
 * builds one.
 */
export interface CallRef {
  /** The vendor's name: "ConnectWise", "Mailprotector". */
  service: string;
  method: string;
  /** The path as the adapter shows it (with or without its query). */
  path: string;
  /** What the call is for: "list customers of reseller 343". */
  label?: string;
}

/** `ConnectWise list agreements (GET /finance/agreements)`, or without a label `ConnectWise GET /x`. */
export function callName(call: CallRef): string {
  const what = call.label ? `${call.label} (${call.method} ${call.path})` : `${call.method} ${call.path}`;
  return `${call.service} ${what}`;
}

export interface NotUnderstoodInit {
  /** The call that answered, or, when no call is at hand, what was read: "line 2 from the billing system". */
  from: CallRef | string;
  /** What cwsync needs, in words: "a JSON list of customers {id: number, name: string}". */
  expected: string;
  /** What came, by structure only (http/shape.ts describeAnswer): status, content type, size, shape; never content. */
  got: string;
  /** Which part of it is wrong, by kind or field name: "record 3 has no numeric id". */
  why?: string;
  hint?: string;
}

/**
 * An answer cwsync does not understand: an HTML page from a proxy, an object where a list
 * belongs, an empty or cut-off body, a record without a field it uses, a date that is no date.
 * An error of that one call (SPEC §3), never read as "empty". The message says what was expected
 * and what came by its structure, never its content, so it is safe to print and to paste.
 */
export class NotUnderstood extends CwsyncError {
  /** The call, when one answered (a write's answer not understood leaves its outcome unknown). */
  readonly call: CallRef | undefined;

  constructor(init: NotUnderstoodInit) {
    const head =
      typeof init.from === 'string'
        ? `cwsync does not understand ${init.from}`
        : `${callName(init.from)} answered with something cwsync does not understand`;
    const service = typeof init.from === 'string' ? 'the system it came from' : init.from.service;
    super(`${head}: expected ${init.expected}; got ${init.got}${init.why ? ` (${init.why})` : ''}`, {
      hint:
        init.hint ??
        `a proxy, gateway or captive portal may have answered instead of ${service}, or the API changed: run \`cwsync doctor --shapes\` and report what differs; nothing was read as empty`,
    });
    this.call = typeof init.from === 'string' ? undefined : init.from;
  }
}

/**
 * A list whose paging did not end, or did not prove its end: a loop, a server ignoring paging,
 * a 404 or figures that may hide records, the page cap (SPEC §3). Never a silent truncation:
 * nothing from the list is used.
 */
export class PagingError extends CwsyncError {
  constructor(
    readonly call: CallRef,
    reason: string,
    options: { hint?: string } = {},
  ) {
    super(`${callName(call)} did not page to an end: ${reason}`, {
      hint:
        options.hint ??
        `nothing from this list was used; if it repeats, run \`cwsync doctor --shapes\` and report what ${call.service} sent`,
    });
  }
}
