/**
 * The writing half of `cwsync apply`, once the plan is there: the apply core with what this
 * machine provides (the pending-creates record, the run's deadline, the report as a journal),
 * the result lines as they come, and what to do next.
 */

import { targetAdapterFor } from '../adapters/registry.js';
import type { Config } from '../config/types.js';
import { CwsyncError } from '../errors.js';
import { FilePendingCreates, stateDir } from '../git/pending-creates.js';
import type { Logger } from '../log.js';
import { type ApplyReport, applyPlan, needsAttention } from '../reconcile/apply.js';
import type { Plan } from '../reconcile/types.js';
import { applyVerdict } from '../render/group.js';
import { renderReportMarkdown, resultLine, summaryLine } from '../render/report.js';
import { escapeDeep } from '../text-hygiene.js';
import { isoSeconds } from '../time.js';
import { parseDuration } from '../usage/snapshot-source.js';
import { appendJobSummary } from './output.js';
import type { Planned } from './pipeline.js';
import { ReportJournal } from './report-journal.js';
import type { ExitCode } from './run.js';

export interface RunSettings {
  force: boolean;
  actor: string | null;
  report?: string;
  /** --state-dir, else CWSYNC_STATE_DIR, else the git directory. */
  stateDir?: string;
  settleMs: number;
  deadlineAt: number;
}

/** A duration option (--max-duration, --settle-time) in ms. */
export function durationMs(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new CwsyncError(`${flag} must be a duration such as 50m, 2h or 90s, not "${text}"`);
  return ms;
}

function nextSteps(report: ApplyReport, where: string): string[] {
  const out: string[] = [];
  const s = report.summary;
  if (report.stopped) out.push(`Stopped writing: ${report.stopped}.`);
  if (s.unknown > 0) {
    // Only a create is remembered: saying so of an unknown update or cancel would point at a record that has none.
    const create = report.results.some((r) => r.status === 'unknown' && r.action === 'create');
    out.push(
      `Outcomes unknown: ${create ? `a create among them is remembered in ${where}, and no run creates that line again until it is seen or its settle time has passed with it absent; ` : ''}the next run re-reads everything and settles them.`,
    );
  }
  if (s.failed > 0) out.push('Failed actions were not applied: the next run re-reads everything and tries them again.');
  if (s.skipped > 0)
    out.push('Conflicts: an agreement holds two open lines of one product; cancel the extra one by hand (ids above).');
  return out;
}

export async function applyPlanned(
  planned: Planned,
  config: Config,
  settings: RunSettings,
  logger: Logger,
): Promise<ExitCode> {
  const { plan } = planned;
  process.stdout.write(`${applyVerdict(plan, settings.force)}\n`);
  const pending = new FilePendingCreates(
    await stateDir(config.dir, settings.stateDir ?? (process.env.CWSYNC_STATE_DIR || undefined)),
  );
  const journal = settings.report ? openJournal(settings, plan) : undefined;
  const report = await applyPlan(planned.target, plan, config.policy, {
    now: new Date(),
    concurrency: targetAdapterFor(config).concurrency(config),
    billing: targetAdapterFor(config).name,
    force: settings.force,
    actor: settings.actor,
    logger,
    pending,
    settleMs: settings.settleMs,
    deadlineAt: settings.deadlineAt,
    stop: () => journal?.failure ?? null,
    onResult: (r) => {
      process.stdout.write(`${resultLine(r)}\n`);
      journal?.result(r);
    },
  });
  // Names and messages come from the APIs and the config: shown escaped, as every renderer does.
  for (const c of escapeDeep(report.skipped))
    process.stdout.write(
      `CONFLICT ${c.company.identifier} / ${c.agreement.name}: ${c.product.identifier}: lines ${c.additionIds.join(' and ')} are both open: ${c.reason}\n`,
    );
  for (const e of escapeDeep(report.errors))
    process.stdout.write(`ERROR    ${e.where}: ${e.message}${e.fix ? `\n         fix: ${e.fix}` : ''}\n`);
  process.stdout.write(`${summaryLine(report)}\n`);
  for (const line of nextSteps(report, pending.where)) process.stdout.write(`${line}\n`);
  appendJobSummary(() => renderReportMarkdown(report));
  journal?.finish(report);
  return needsAttention(report) ? 1 : 0;
}

function openJournal(settings: RunSettings, plan: Plan): ReportJournal {
  return new ReportJournal(settings.report!, {
    formatVersion: 1,
    startedAt: isoSeconds(new Date()),
    fingerprint: plan.fingerprint,
    source: plan.source,
    scope: plan.scope,
    forced: settings.force,
    actor: settings.actor,
  });
}
