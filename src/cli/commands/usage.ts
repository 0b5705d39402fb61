import { loadConfig } from '../../config/load.js';
import { ConfigError, CwsyncError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { renderUsageJson, renderUsageText } from '../../render/usage.js';
import { usageSourceFromConfig } from '../../usage/from-config.js';
import type { ExitCode } from '../run.js';

export async function usageCommand(opts: { config: string; format: string }): Promise<ExitCode> {
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new CwsyncError(`--format must be text or json, not "${opts.format}"`);
  const { config, problems } = loadConfig(opts.config);
  if (!config) throw new ConfigError(problems);
  const source = usageSourceFromConfig(config, createLogger());
  try {
    const snapshot = await source.read();
    process.stdout.write(opts.format === 'json' ? renderUsageJson(snapshot) : renderUsageText(snapshot, source.label));
    return 0;
  } finally {
    await source.close?.();
  }
}
