/**
 * A forced apply lifts the safety limits, so inside GitHub Actions it runs only when its run was
 * approved in the `cwsync-approval` environment by someone other than the person who started it.
 * The approval is read from GitHub's own record (GET .../actions/runs/{id}/approvals), not from
 * the workflow's YAML, which a writer can edit on a branch: the job may skip the environment,
 * but it cannot make GitHub record an approval that was not given.
 */
import { RefusedError } from '../errors.js';
import type { Logger } from '../log.js';
import { GitHubApi, githubRepoFromEnv } from './api.js';

const APPROVAL_ENVIRONMENT = 'cwsync-approval';

interface Login {
  login?: unknown;
}
interface RunRecord {
  actor?: Login | null;
  triggering_actor?: Login | null;
  run_attempt?: unknown;
}
interface ApprovalRecord {
  state?: unknown;
  user?: Login | null;
  environments?: Array<{ name?: unknown } | null> | null;
}

export interface Approved {
  startedBy: string[];
  approvedBy: string[];
}

const loginOf = (x: Login | null | undefined) => (typeof x?.login === 'string' && x.login ? x.login : undefined);

function refuse(message: string, hint: string): never {
  throw new RefusedError(`forced apply refused: ${message}; nothing was read or written`, { hint });
}

/** Who started the run (the first attempt's actor and whoever re-ran it), from GitHub's record of it. */
function startersOf(run: RunRecord | undefined): string[] {
  const starters = [loginOf(run?.actor), loginOf(run?.triggering_actor)].filter((x): x is string => Boolean(x));
  if (starters.length === 0)
    refuse(
      'GitHub did not say who started this run',
      'check that the job has `permissions: { actions: read }` and GITHUB_API_URL is the REST API root',
    );
  return [...new Set(starters)];
}

/**
 * The approvals GitHub lists are the run's, whatever its attempt: a re-run (by the person who
 * started it, say) would carry an approval given for the first attempt. Only a first attempt counts.
 */
function refuseLaterAttempt(run: RunRecord | undefined): void {
  const attempt = run?.run_attempt;
  if (attempt === 1) return;
  refuse(
    typeof attempt === 'number'
      ? `this is attempt ${attempt} of the run, and an approval holds for its first attempt only`
      : 'GitHub did not say which attempt of the run this is',
    'start a new run with force, which a reviewer other than you approves',
  );
}

/** The logins that approved this run in the environment, from GitHub's list of the run's approvals. */
function approversOf(list: ApprovalRecord[], environment: string): string[] {
  const approved = list.filter(
    (a) =>
      a?.state === 'approved' && Array.isArray(a.environments) && a.environments.some((e) => e?.name === environment),
  );
  return [...new Set(approved.map((a) => loginOf(a.user)).filter((x): x is string => Boolean(x)))];
}

/** Checks the run's approvals through the API; returns who started and who approved, or refuses (exit 3). */
export async function checkRunApproval(
  api: GitHubApi,
  runId: string,
  environment = APPROVAL_ENVIRONMENT,
): Promise<Approved> {
  const run = (await api.request<RunRecord>('GET', `/actions/runs/${runId}`, 'read this workflow run')).body;
  refuseLaterAttempt(run);
  const startedBy = startersOf(run);
  const list = await api.list<ApprovalRecord>(
    `/actions/runs/${runId}/approvals`,
    'list the approvals of this run',
    "a run's approvals are few: check the run's approvals on GitHub and report this answer if it repeats; nothing was applied",
  );
  const approvers = approversOf(list, environment);
  const others = approvers.filter((login) => !startedBy.includes(login));
  if (others.length === 0) {
    const said = approvers.length
      ? `the only approval in ${environment} is by ${approvers.join(', ')}, who started this run`
      : `this run has no approval in the ${environment} environment`;
    refuse(
      said,
      `someone other than ${startedBy.join(' / ')} must approve the run: give ${environment} required reviewers with "Prevent self-review" (docs/setup.md), start a new run with force, and have another reviewer approve it`,
    );
  }
  return { startedBy, approvedBy: others };
}

/**
 * `apply --force` inside GitHub Actions: refused unless another person approved this run. Outside
 * Actions (an admin at a terminal, with the keys) there is no run to check, and nothing is asked.
 */
export async function requireForcedApproval(env: NodeJS.ProcessEnv, logger?: Logger): Promise<Approved | undefined> {
  if (env.GITHUB_ACTIONS !== 'true') return undefined;
  const runId = env.GITHUB_RUN_ID;
  if (!runId || !/^\d+$/.test(runId))
    refuse('GITHUB_RUN_ID is not set, so the approval of this run cannot be checked', 'run it from the workflow');
  const repo = githubRepoFromEnv(env, 'cwsync apply --force');
  const api = new GitHubApi(repo, logger, { permissions: 'actions: read', baseDelayMs: 200 });
  try {
    return await checkRunApproval(api, runId, env.CWSYNC_APPROVAL_ENVIRONMENT?.trim() || APPROVAL_ENVIRONMENT);
  } finally {
    await api.close();
  }
}
