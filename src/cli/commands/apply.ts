import { knownAdapters } from '../../adapters/registry.js';
import { loadValidConfig } from '../../config/load.js';
import { CwsyncError, RefusedError } from '../../errors.js';
import { acquireApplyLock } from '../../git/lock.js';
import { configGitState, type GitState } from '../../git/state.js';
import { requireForcedApproval } from '../../github/approval.js';
import { createLogger, type Logger } from '../../log.js';
import type { Plan } from '../../reconcile/types.js';
import { renderText } from '../../render/text.js';
import { escapeText } from '../../text-hygiene.js';
import { applyPlanned, durationMs } from '../apply-run.js';
import { canAsk, confirm, refuseNotConfirmed, refuseWithoutYes } from '../confirm.js';
import { checkOutputPath, useColor } from '../output.js';
import { planFor } from '../pipeline.js';
import type { ExitCode } from '../run.js';
import { savedPlanStillHolds } from '../saved-plan.js';
import { checkPullRequestConnection } from '../trusted-connection.js';

export interface ApplyOptions {
  config: string;
  plan?: string;
  force?: boolean;
  allowDirty?: boolean;
  report?: string;
  customer?: string[];
  lockWait: string;
  /** Apply what this run plans without asking (needed off a terminal when there is no --plan). */
  yes?: boolean;
  /** --max-duration: the run's deadline (default 50m). */
  maxDuration?: string;
  /** --state-dir: where creates whose outcome is unknown are remembered (else CWSYNC_STATE_DIR, else the git dir). */
  stateDir?: string;
  /** --settle-time: how long such a create blocks its line while absent (default 15m). */
  settleTime?: string;
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

/**
 * Who lifted the limits, for the report: in GitHub Actions the GitHub user who started the run,
 * elsewhere the local user (GITHUB_ACTOR outside Actions is only what someone set). Anything but
 * letters, digits and . _ - [ ] is shown escaped (\uXXXX), so no markup reaches a job summary.
 */
export function actor(env: NodeJS.ProcessEnv = process.env): string | null {
  // GITHUB_TRIGGERING_ACTOR: who started this attempt (a re-run keeps GITHUB_ACTOR of the first).
  const who =
    env.GITHUB_ACTIONS === 'true' ? env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR : env.USER || env.USERNAME;
  if (!who) return null;
  return escapeText(who, /[^\w.\-[\]]/g);
}

/** What this run would write: the actions, and the held ones when forced. */
const writesOf = (plan: Plan, force: boolean) => plan.actions.length + (force ? plan.held.length : 0);

/** Without --plan and --yes, a person sees the plan and says yes before anything is written. */
async function askFirst(plan: Plan, force: boolean): Promise<void> {
  if (writesOf(plan, force) === 0) return;
  process.stdout.write(`${renderText(plan, { color: useColor() })}\n`);
  const n = writesOf(plan, force);
  if (!(await confirm(`Apply ${n === 1 ? 'this change' : `these ${n} changes`} to the billing system?`)))
    refuseNotConfirmed();
}

/** The options refused before anything is read; returns --lock-wait in milliseconds. */
function checkRunOptions(opts: ApplyOptions): number {
  if (opts.report) checkOutputPath(opts.report, '--report');
  const lockWaitMs = Number(opts.lockWait) * 1000;
  if (!Number.isFinite(lockWaitMs) || lockWaitMs < 0)
    throw new CwsyncError(`--lock-wait must be a number of seconds, not "${opts.lockWait}"`);
  if (opts.plan && opts.customer?.length)
    throw new CwsyncError('--customer cannot narrow a saved plan', {
      hint: 'plan with --customer and --out, then apply that plan',
    });
  return lockWaitMs;
}

/** In GitHub Actions, before anything is read: another person approved this very forced run. */
async function requireApproval(logger: Logger): Promise<void> {
  const approved = await requireForcedApproval(process.env, logger);
  if (approved)
    process.stdout.write(
      `forced run started by ${approved.startedBy.join(' / ')}, approved by ${approved.approvedBy.join(', ')}\n`,
    );
}

export async function applyCommand(opts: ApplyOptions): Promise<ExitCode> {
  const deadlineAt = Date.now() + durationMs('--max-duration', opts.maxDuration ?? '50m');
  const settleMs = durationMs('--settle-time', opts.settleTime ?? '15m');
  const config = loadValidConfig(opts.config, knownAdapters);
  await checkPullRequestConnection(config);
  const ask = !opts.plan && !opts.yes;
  // Before anything is read: off a terminal nobody can answer, so nothing is done at all.
  if (ask && !canAsk()) refuseWithoutYes();
  const lockWaitMs = checkRunOptions(opts);
  const logger = createLogger();
  if (opts.force) await requireApproval(logger);
  const git = await configGitState(config.dir);
  if (git.dirty && !opts.allowDirty) refuseDirty(git);
  const release = await acquireApplyLock(config.dir, { waitMs: lockWaitMs });
  try {
    const planned = opts.plan
      ? await savedPlanStillHolds(config, git, opts.plan, logger, { deadlineAt })
      : await planFor(config, git, logger, { scope: opts.customer, run: { deadlineAt } });
    try {
      const force = Boolean(opts.force);
      if (ask) await askFirst(planned.plan, force);
      return await applyPlanned(
        planned,
        config,
        { force, actor: force ? actor() : null, report: opts.report, stateDir: opts.stateDir, settleMs, deadlineAt },
        logger,
      );
    } finally {
      await planned.close();
    }
  } finally {
    release();
  }
}
