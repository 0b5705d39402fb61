/**
 * `cwsync notify`: the nightly's last step. Reads what the run left (report, plan, log, each
 * step's exit code) and opens, updates or closes the one GitHub issue. A missing file is a
 * fact about the run, not a reason to stay silent.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CwsyncError } from '../../errors.js';
import { githubEnv, IssueClient, syncNightlyIssue } from '../../github/issue.js';
import type { RunFacts } from '../../github/issue-body.js';
import { createLogger } from '../../log.js';
import type { ApplyReport } from '../../reconcile/apply.js';
import type { Plan } from '../../reconcile/types.js';
import { recoverReport } from '../report-journal.js';
import type { ExitCode } from '../run.js';

export interface NotifyOptions {
  report?: string;
  plan?: string;
  log?: string;
  step?: string[];
  jobStatus?: string;
  allowPublic?: boolean;
}

const MAX_JSON = 64 * 1024 * 1024;
const LOG_TAIL_BYTES = 64 * 1024;

/** Reads at most `max` bytes from the end (tail) or the start of a regular file; undefined when absent. */
function readCapped(path: string, max: number, tail: boolean): { text?: string; problem?: string } {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return {};
  }
  if (!st.isFile()) return { problem: `${path} is not a regular file` };
  if (!tail && st.size > max) return { problem: `${path} is ${st.size} bytes, more than ${max} read` };
  const length = Math.min(st.size, max);
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, length, tail ? st.size - length : 0);
  } finally {
    closeSync(fd);
  }
  return { text: buf.toString('utf8') };
}

function readJson<T>(path: string | undefined, what: string, unreadable: string[]): T | undefined {
  if (!path) return undefined;
  const { text, problem } = readCapped(path, MAX_JSON, false);
  if (problem) unreadable.push(`${what} ${problem}`);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as T & { formatVersion?: unknown };
    if (value?.formatVersion !== 1) {
      unreadable.push(`${what} ${path} is not a cwsync ${what} (no formatVersion 1)`);
      return undefined;
    }
    return value;
  } catch (err) {
    // An apply report is a journal: a run that was killed (or filled the disk) left its first lines.
    const partial = what === 'report' ? recoverReport(text) : undefined;
    if (partial) return partial as T;
    // Only where it broke: JSON.parse's message can quote the file, and this goes into an issue.
    const at = /position (\d+)/.exec(err instanceof Error ? err.message : '');
    unreadable.push(`${what} ${path} is not JSON${at ? ` (at byte ${at[1]})` : ''}`);
    return undefined;
  }
}

/** The last plain lines of the log: pino's JSON lines are for machines and are left out. */
export function logTail(text: string | undefined, lines = 40): string[] {
  if (!text) return [];
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.trimStart().startsWith('{'))
    .slice(-lines)
    .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l));
}

/** "plan=1" -> { name: plan, code: 1 }; an empty code means the step did not run. */
export function parseStep(text: string): { name: string; code: number | null } {
  const m = /^([\w .-]+)=(\d*)$/.exec(text.trim());
  if (!m)
    throw new CwsyncError(`--step must be NAME=CODE (e.g. apply=3, or apply= when it did not run), not "${text}"`);
  return { name: m[1]!.trim(), code: m[2] === '' ? null : Number(m[2]) };
}

export async function notifyCommand(opts: NotifyOptions): Promise<ExitCode> {
  const steps = (opts.step ?? []).map(parseStep);
  const gh = githubEnv();
  const unreadable: string[] = [];
  const facts: RunFacts = {
    report: readJson<ApplyReport>(opts.report, 'report', unreadable),
    plan: readJson<Plan>(opts.plan, 'plan', unreadable),
    unreadable,
    steps,
    jobStatus: opts.jobStatus || undefined,
    logTail: opts.log ? logTail(readCapped(opts.log, LOG_TAIL_BYTES, true).text) : [],
    now: new Date(),
  };
  const client = new IssueClient(gh, createLogger());
  try {
    await client.refusePublic(Boolean(opts.allowPublic));
    const outcome = await syncNightlyIssue(client, facts);
    const what =
      outcome.kind === 'none'
        ? 'nothing needs a human and no issue is open: nothing to do'
        : `nightly issue #${outcome.number} ${outcome.kind}`;
    process.stdout.write(`${what}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
