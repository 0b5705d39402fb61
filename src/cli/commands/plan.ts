import { configGitState } from '../../git/state.js';
import { createLogger } from '../../log.js';
import { renderJson } from '../../render/json.js';
import { renderMarkdown } from '../../render/markdown.js';
import { renderText } from '../../render/text.js';
import { appendJobSummary, useColor, writeFile } from '../output.js';
import { loadValidConfig, planFor } from '../pipeline.js';
import type { ExitCode } from '../run.js';

export interface PlanOptions {
  config: string;
  format: 'text' | 'markdown' | 'json';
  out?: string;
  detailedExitcode?: boolean;
}

export async function planCommand(opts: PlanOptions): Promise<ExitCode> {
  const config = loadValidConfig(opts.config);
  const logger = createLogger();
  const git = await configGitState(config.dir);
  const planned = await planFor(config, git, logger);
  try {
    const { plan } = planned;
    const render = {
      text: () => renderText(plan, { color: useColor() }),
      markdown: () => renderMarkdown(plan),
      json: () => renderJson(plan),
    }[opts.format];
    process.stdout.write(render());
    if (opts.out) writeFile(opts.out, renderJson(plan));
    appendJobSummary(() => renderMarkdown(plan, { limit: 900_000 }));
    return opts.detailedExitcode && plan.actions.length > 0 ? 2 : 0;
  } finally {
    await planned.close();
  }
}
