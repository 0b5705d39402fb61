import type { Config } from '../../config/types.js';
import type { Check } from '../../connectwise/doctor.js';
import type { Logger } from '../../log.js';
import { formatProblem } from '../../errors.js';
import { loadSnapshotFile } from '../../usage/file-source.js';

/** Checks of the usage source. */
export async function usageChecks(config: Config, _logger: Logger): Promise<Check[]> {
  if (config.usage.file) {
    const { snapshot, problems } = loadSnapshotFile(config.dir, config.usage.file);
    return [{ name: `usage file ${config.usage.file} is valid`, ok: !!snapshot, ...(snapshot ? { detail: `${snapshot.customers.length} customers` } : { detail: problems.map(formatProblem).join('; ') }) }];
  }
  return [];
}
