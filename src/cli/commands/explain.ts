import { knownAdapters } from '../../adapters/registry.js';
import { loadValidConfig } from '../../config/load.js';
import { CwsyncError } from '../../errors.js';
import { configGitState } from '../../git/state.js';
import { createLogger } from '../../log.js';
import { explainCustomer } from '../../reconcile/explain.js';
import { renderExplanation } from '../../render/explain.js';
import { planFor } from '../pipeline.js';
import type { ExitCode } from '../run.js';
import { checkPullRequestConnection, refuseLiveUsageInPullRequest } from '../trusted-connection.js';

export interface ExplainOptions {
  config: string;
}

/** Plans the customer's agreement as `plan --customer` would, and explains it: nothing is derived twice. */
export async function explainCommand(customer: string, opts: ExplainOptions): Promise<ExitCode> {
  const config = loadValidConfig(opts.config, knownAdapters);
  const wanted = customer.trim().toLowerCase();
  if (!config.customers.some((b) => String(b.customer).toLowerCase() === wanted))
    throw new CwsyncError(`no binding names "${customer}"`, {
      hint: 'name the customer as its binding does (name, any case, or id, in customers.yaml or customers/*.yaml); a customer not bound yet needs a binding first (cwsync import proposes one)',
    });
  // A pull request's connection is the base commit's, and its usage never live (SPEC §7), as for plan.
  await checkPullRequestConnection(config);
  refuseLiveUsageInPullRequest(config, undefined);
  const logger = createLogger();
  const git = await configGitState(config.dir);
  const planned = await planFor(config, git, logger, { scope: [customer], keepInput: true });
  try {
    if (!planned.input) throw new Error('a fresh plan carries its input');
    const explained = explainCustomer(planned.input, planned.plan, customer, config.customers);
    process.stdout.write(renderExplanation(explained));
    return explained.some((e) => e.errors.length > 0) ? 1 : 0;
  } finally {
    await planned.close();
  }
}
