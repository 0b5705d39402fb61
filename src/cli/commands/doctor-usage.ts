import { openUsageSource } from '../../adapters/registry.js';
import { type Check, failedCheck } from '../../check.js';
import type { Config } from '../../config/types.js';
import type { Logger } from '../../log.js';

/**
 * The usage source answers through its port: its customers can be listed (a usage file
 * parses and validates; a live source's key can list its account's customers). No user
 * groups are read.
 */
export async function usageChecks(config: Config, logger: Logger): Promise<Check[]> {
  let label = 'the usage source';
  try {
    const source = await openUsageSource(config, { logger });
    label = source.label;
    try {
      const { customers } = await source.read({ only: [] });
      return [{ name: `${label}: its customers can be listed`, ok: true, detail: `${customers.length} customers` }];
    } finally {
      await source.close?.();
    }
  } catch (err) {
    return [failedCheck(`${label}: its customers can be listed`, err)];
  }
}
