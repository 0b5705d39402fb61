import { readFileSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import { CwsyncError, RefusedError } from '../../errors.js';
import { configGitState, type GitState } from '../../git/state.js';
import { createLogger } from '../../log.js';
import { applyPlan } from '../../reconcile/apply.js';
import type { Action, Plan } from '../../reconcile/types.js';
import { counts, verdict } from '../../render/group.js';
import { renderReportMarkdown, resultLine, summaryLine } from '../../render/report.js';
import { appendJobSummary, writeFile } from '../output.js';
import { loadValidConfig, planFor } from '../pipeline.js';
import type { ExitCode } from '../run.js';

export interface ApplyOptions {
  config: string;
  plan?: string;
  force?: boolean;
  allowDirty?: boolean;
  report?: string;
}

function refuseDirty(git: GitState): never {
  if (!git.inRepo)
    throw new RefusedError('the config directory is not in a git repository, so nothing shows it was reviewed', {
      hint: 'keep the config in git, or pass --allow-dirty to apply anyway',
    });
  throw new RefusedError(
    `the config directory has changes that are not committed: ${git.changed.slice(0, 10).join(', ') || '(no commit yet)'}`,
    { hint: 'commit them (nightly applies run from reviewed config), or pass --allow-dirty' },
  );
}

function readSavedPlan(path: string): Plan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CwsyncError(`cannot read the saved plan ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      hint: 'pass the file written by cwsync plan --out',
    });
  }
  const plan = parsed as Partial<Plan>;
  if (plan.formatVersion !== 1 || typeof plan.fingerprint !== 'string' || !Array.isArray(plan.actions)) {
    throw new CwsyncError(`${path} is not a cwsync plan (format version 1)`, {
      hint: 'pass the file written by cwsync plan --out',
    });
  }
  return plan as Plan;
}

const actionLine = (a: Action) =>
  `${a.action} ${a.company.identifier} / ${a.agreement.name} (${a.agreement.id}) ${a.product.identifier}: ${a.before ?? '-'} -> ${a.after}`;

function staleDetails(saved: Plan, now: Plan): string {
  const lines = (p: Plan) => `${p.actions.map(actionLine).sort().join('\n')}\n`;
  const patch = createTwoFilesPatch('saved plan', 'plan now', lines(saved), lines(now), '', '', { context: 1 });
  return `what changed since the plan was saved:\n${patch
    .split('\n')
    .filter((l) => l && !l.startsWith('====='))
    .join('\n')}`;
}

export async function applyCommand(opts: ApplyOptions): Promise<ExitCode> {
  const config = loadValidConfig(opts.config);
  const logger = createLogger();
  const git = await configGitState(config.dir);
  if (git.dirty && !opts.allowDirty) refuseDirty(git);
  const saved = opts.plan ? readSavedPlan(opts.plan) : undefined;
  const planned = await planFor(config, git, logger);
  try {
    const { plan, safety } = planned;
    if (saved && saved.fingerprint !== plan.fingerprint) {
      throw new RefusedError(
        `the saved plan ${opts.plan} no longer matches (saved ${saved.fingerprint}, now ${plan.fingerprint}); nothing was written`,
        { details: staleDetails(saved, plan), hint: 'review the new plan and save it again' },
      );
    }
    if (safety.violations.length > 0 && !opts.force) {
      throw new RefusedError('safety limits exceeded; nothing was written', {
        details: safety.violations.map((v) => `  - ${v}`).join('\n'),
        hint: 'check the usage and the config; if the change is intended, run apply with --force',
      });
    }
    process.stdout.write(`${verdict(plan)} (${counts(plan)})\n`);
    const report = await applyPlan(planned.cw, plan, config.policy, {
      now: new Date(),
      concurrency: config.connectwise.concurrency,
      logger,
      onResult: (r) => process.stdout.write(`${resultLine(r)}\n`),
    });
    for (const c of report.skipped)
      process.stdout.write(
        `skipped  conflict ${c.company.identifier} / ${c.agreement.name}: ${c.product.identifier}: ${c.reason}\n`,
      );
    process.stdout.write(`${summaryLine(report)}\n`);
    if (report.summary.failed > 0)
      process.stdout.write('Running apply again is safe: it re-reads everything and converges.\n');
    if (opts.report) writeFile(opts.report, `${JSON.stringify(report, null, 2)}\n`);
    appendJobSummary(() => renderReportMarkdown(report));
    return report.summary.failed > 0 ? 1 : 0;
  } finally {
    await planned.close();
  }
}
