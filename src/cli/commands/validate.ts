import { loadValidConfig } from '../../config/load.js';
import { ConfigError } from '../../errors.js';
import { loadSnapshotFile } from '../../usage/file-source.js';
import { plural } from '../../words.js';
import type { ExitCode } from '../run.js';

export async function validateCommand(opts: { config: string }): Promise<ExitCode> {
  const config = loadValidConfig(opts.config);
  if (config.usage.file) {
    const usage = loadSnapshotFile(config.dir, config.usage.file);
    if (usage.problems.length > 0) throw new ConfigError(usage.problems);
  }
  const mapped = Object.values(config.services).filter((p) => p !== null).length;
  const unassigned = Object.keys(config.services).length - mapped;
  process.stdout.write(
    `valid: ${plural(config.customers.length, 'customer')}, ${plural(mapped, 'mapping')}${unassigned ? ` (+${unassigned} Not Assigned)` : ''}, ${plural(config.bundles.length, 'bundle')}\n`,
  );
  return 0;
}
