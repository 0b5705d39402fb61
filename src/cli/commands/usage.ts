import { knownAdapters, openUsageSource, sourceAdapterFor } from '../../adapters/registry.js';
import { loadValidConfig } from '../../config/load.js';
import { CwsyncError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { createProgress } from '../../progress.js';
import { renderUsageJson, renderUsageText } from '../../render/usage.js';
import type { ExitCode } from '../run.js';
import { checkPullRequestConnection } from '../trusted-connection.js';

export async function usageCommand(opts: { config: string; format: string }): Promise<ExitCode> {
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new CwsyncError(`--format must be text or json, not "${opts.format}"`);
  const config = loadValidConfig(opts.config, knownAdapters);
  await checkPullRequestConnection(config);
  const source = await openUsageSource(config, { logger: createLogger() });
  const progress = createProgress({ label: source.label });
  const warnings: string[] = [];
  try {
    const snapshot = await source.read({ onProgress: (p) => progress.update(p), onWarning: (w) => warnings.push(w) });
    progress.end();
    if (opts.format === 'json') {
      // stdout is the snapshot file format, exactly; what needs a look goes to stderr.
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(renderUsageJson(snapshot));
    } else {
      process.stdout.write(
        renderUsageText(snapshot, source.label, sourceAdapterFor(config).services, {
          services: config.services,
          bundles: config.bundles,
          warnings,
        }),
      );
    }
    return 0;
  } finally {
    progress.end();
    await source.close?.();
  }
}
