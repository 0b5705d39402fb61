/**
 * `apply --report FILE` as a journal: opened before the first write, one line appended and
 * flushed to the disk per action as it ends, the summary appended at the end. The complete file
 * is one JSON document (the apply report); a run killed, or a disk that filled, leaves a prefix
 * of it whose complete lines still say what was done, and `recoverReport` reads that back.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { CwsyncError } from '../errors.js';
import type { ActionResult, ApplyReport } from '../reconcile/apply.js';
import { reasonOf } from './output.js';

const NOTE = 'written as the run goes: one line per action as it ends, then the summary';

type Head = Pick<ApplyReport, 'formatVersion' | 'startedAt' | 'fingerprint' | 'source' | 'scope' | 'forced' | 'actor'>;

export class ReportJournal {
  private fd: number;
  private first = true;
  /** Why the journal can no longer be written; the run must then stop writing elsewhere too. */
  failure: string | null = null;

  constructor(
    readonly path: string,
    head: Head,
  ) {
    try {
      this.fd = openSync(path, 'w', 0o644);
    } catch (err) {
      throw new CwsyncError(`--report ${path}: ${reasonOf(err)}; nothing was written`, {
        hint: 'pass --report a file path in a directory that exists and that this user can write',
      });
    }
    const text = JSON.stringify({ ...head, journal: NOTE });
    this.append(`${text.slice(0, -1)},"results":[`);
  }

  result(r: ActionResult): void {
    this.append(`\n${this.first ? '' : ','}${JSON.stringify(r)}`);
    this.first = false;
  }

  /** Appends everything after the results, and closes the file; throws when it cannot. */
  finish(report: ApplyReport): void {
    const { results: _results, formatVersion: _v, startedAt: _s, fingerprint: _f, ...tail } = report;
    const { source: _src, scope: _scope, forced: _forced, actor: _actor, ...rest } = tail;
    this.append(`\n],${JSON.stringify(rest).slice(1)}\n`);
    closeSync(this.fd);
    if (this.failure)
      throw new CwsyncError(
        `--report ${this.path}: ${this.failure}; the actions up to that point are in it, and every result was printed above`,
        { hint: 'free space where the report is written, then run apply again' },
      );
  }

  private append(text: string): void {
    if (this.failure) return;
    try {
      writeSync(this.fd, text);
      fdatasyncSync(this.fd);
    } catch (err) {
      this.failure = `the report could not be written (${reasonOf(err)})`;
    }
  }
}

/**
 * The report in a journal a run did not finish: its head and every complete action line, with
 * the summary counted from them and `stopped` saying it was cut short. Undefined when even the
 * head is not there.
 */
export function recoverReport(text: string): ApplyReport | undefined {
  const [head, ...lines] = text.split('\n');
  let report: ApplyReport;
  try {
    report = JSON.parse(`${head}]}`) as ApplyReport;
  } catch {
    return undefined;
  }
  const results: ActionResult[] = [];
  for (const line of lines) {
    try {
      results.push(JSON.parse(line.replace(/^,/, '')) as ActionResult);
    } catch {
      break; // the line the run was writing when it ended
    }
  }
  const count = (s: ActionResult['status']) => results.filter((r) => r.status === s).length;
  return {
    ...report,
    finishedAt: report.startedAt,
    summary: {
      applied: count('applied'),
      failed: count('failed'),
      unknown: count('unknown'),
      held: count('held'),
      skipped: 0,
      errors: 0,
    },
    results,
    skipped: [],
    errors: [],
    warnings: [],
    stopped:
      'the run ended before its report was finished (killed, or the disk filled): only the actions listed were recorded',
  };
}
