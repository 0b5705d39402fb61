import { readFileSync } from 'node:fs';
import { CwsyncError } from '../../errors.js';
import { githubContext, pullRequestNumber, upsertComment } from '../../github/comment.js';
import { createLogger } from '../../log.js';
import type { ExitCode } from '../run.js';

export async function commentCommand(opts: { bodyFile: string }): Promise<ExitCode> {
  let markdown: string;
  try {
    markdown = readFileSync(opts.bodyFile, 'utf8');
  } catch {
    throw new CwsyncError(`cannot read --body-file ${opts.bodyFile}`, {
      hint: 'write the plan first: cwsync plan --format markdown > plan.md',
    });
  }
  const pr = pullRequestNumber();
  if (pr === undefined) {
    process.stdout.write('not in a pull request (no pull_request in GITHUB_EVENT_PATH): nothing posted\n');
    return 0;
  }
  const outcome = await upsertComment(githubContext(pr), markdown, createLogger());
  const where = outcome.url ? ` ${outcome.url}` : ` (comment ${outcome.id})`;
  process.stdout.write(
    outcome.kind === 'unchanged'
      ? `plan comment unchanged on pull request #${pr}; not updated\n`
      : `plan comment ${outcome.kind} on pull request #${pr}:${where}\n`,
  );
  return 0;
}
