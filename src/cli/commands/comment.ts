/**
 * cwsync comment: posts the one plan comment on every outcome.
 *   --plan plan.json      the plan (errors of single bindings included), rendered for review
 *   --failed-log FILE     what a failed validate or plan printed, when there is no plan file
 *   --body-file FILE      any markdown, posted as written
 * With --plan and --failed-log together, the plan is used when its file exists, else the log:
 * one step after the plan covers success and failure. --print writes the exact body instead of
 * posting it (locally, no token). A public repository is refused unless --allow-public.
 */
import { existsSync } from 'node:fs';
import { readFileSafely } from '../../config/safe-file.js';
import { CwsyncError } from '../../errors.js';
import { commentBody, githubContext, pullRequestEvent, runUrl, upsertComment } from '../../github/comment.js';
import { createLogger } from '../../log.js';
import { type FailedStage, renderFailure } from '../../render/failure.js';
import { renderMarkdown } from '../../render/markdown.js';
import type { ExitCode } from '../run.js';
import { readSavedPlan } from '../saved-plan.js';

export interface CommentOptions {
  bodyFile?: string;
  plan?: string;
  failedLog?: string;
  stage?: string;
  artifactUrl?: string;
  /** Write the exact body the workflow would post to stdout, and post nothing (no token needed). */
  print?: boolean;
  allowPublic?: boolean;
}

const MAX_TEXT = 16 * 1024 * 1024;

/** Regular files only, at most 16 MiB (a log's tail is what matters); errors name the file, never its content. */
function readText(path: string, flag: string, hint: string): string {
  try {
    return readFileSafely(path, { maxBytes: MAX_TEXT, display: `${flag} ${path}` }).toString('utf8');
  } catch (err) {
    if (err instanceof CwsyncError && !err.hint) throw new CwsyncError(err.message, { hint, cause: err });
    throw err;
  }
}

/** Secret values from the environment, blanked out of a quoted log should one ever appear there. */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v && /KEY|TOKEN|SECRET|PASSWORD|CLIENT_ID/i.test(k))
    .map(([, v]) => v as string);
}

function stageOf(text: string | undefined): FailedStage {
  if (text === undefined || text === 'plan') return 'plan';
  if (text === 'validate') return 'validate';
  throw new CwsyncError(`--stage must be validate or plan, not "${text}"`);
}

export function commentMarkdown(opts: CommentOptions, env: NodeJS.ProcessEnv, headCommit: string | undefined): string {
  const sources = [opts.bodyFile, opts.plan, opts.failedLog].filter(Boolean).length;
  if (sources === 0 || (opts.bodyFile && sources > 1))
    throw new CwsyncError('cwsync comment needs --plan FILE, --failed-log FILE (or both), or --body-file FILE', {
      hint: 'after the plan: cwsync comment --plan plan.json --failed-log plan.log',
    });
  const stage = stageOf(opts.stage);
  if (opts.bodyFile)
    return readText(
      opts.bodyFile,
      '--body-file',
      'write the markdown first, e.g. cwsync plan --format markdown > plan.md',
    );
  if (opts.plan && (existsSync(opts.plan) || !opts.failedLog)) {
    const plan = readSavedPlan(opts.plan);
    return renderMarkdown(plan, { headCommit, artifactUrl: opts.artifactUrl ?? runArtifacts(env) });
  }
  const log = readText(opts.failedLog as string, '--failed-log', 'capture the output: cwsync plan ... 2> plan.log');
  return renderFailure(log, { stage, headCommit, logUrl: runUrl(env), secrets: secretValues(env) });
}

function runArtifacts(env: NodeJS.ProcessEnv): string | undefined {
  const run = runUrl(env);
  return run ? `${run}#artifacts` : undefined;
}

export async function commentCommand(opts: CommentOptions, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const pr = pullRequestEvent(env);
  const markdown = commentMarkdown(opts, env, pr?.headSha);
  if (opts.print) {
    process.stdout.write(commentBody(markdown));
    return 0;
  }
  if (pr === undefined) {
    process.stdout.write(
      'not in a pull request (no pull_request in GITHUB_EVENT_PATH): nothing posted; --print shows the exact comment here\n',
    );
    return 0;
  }
  const outcome = await upsertComment(githubContext(pr.number, env), markdown, createLogger(), {
    allowPublic: opts.allowPublic,
  });
  const where = outcome.url ? ` ${outcome.url}` : ` (comment ${outcome.id})`;
  process.stdout.write(
    outcome.kind === 'unchanged'
      ? `plan comment unchanged on pull request #${pr.number}; not updated\n`
      : `plan comment ${outcome.kind} on pull request #${pr.number} as ${outcome.author}:${where}\n`,
  );
  return 0;
}
