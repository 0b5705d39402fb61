import { openUsageSource } from '../../adapters/registry.js';
import type { Config } from '../../config/types.js';
import { type Check, failedCheck } from '../../connectwise/doctor.js';
import { formatProblem } from '../../errors.js';
import type { Logger } from '../../log.js';
import { loadSnapshotFile } from '../../usage/file-source.js';
import type { MailprotectorUsageSource } from '../../usage/mailprotector.js';
import { paths } from '../../usage/mailprotector-api.js';
import { describeMailprotectorShapes, type EndpointShape } from '../../usage/mailprotector-shapes.js';

/** Checks of the usage source: the snapshot file parses, or the API key can list the reseller's customers. */
export async function usageChecks(config: Config, logger: Logger): Promise<Check[]> {
  if (config.usage.file) {
    const { snapshot, problems } = loadSnapshotFile(config.dir, config.usage.file);
    return [
      {
        name: `usage file ${config.usage.file} is valid`,
        ok: !!snapshot,
        ...(snapshot
          ? { detail: `${snapshot.customers.length} customers` }
          : { detail: problems.map(formatProblem).join('; ') }),
      },
    ];
  }
  const source = (await openUsageSource(config, { logger })) as MailprotectorUsageSource;
  const name = `Mailprotector key can list the customers of reseller ${config.usage.mailprotector!.reseller}`;
  try {
    const customers = await source.listAll(
      paths.customers(config.usage.mailprotector!.reseller),
      'customers',
      'list customers',
    );
    return [{ name, ok: true, detail: `${customers.length} customers` }];
  } catch (err) {
    return [failedCheck(name, err)];
  } finally {
    await source.close();
  }
}

/** `doctor --shapes` rows of the usage API; none when usage comes from a file. */
export async function usageShapes(config: Config, logger: Logger): Promise<EndpointShape[]> {
  if (!config.usage.mailprotector) return [];
  const source = (await openUsageSource(config, { logger })) as MailprotectorUsageSource;
  try {
    return await describeMailprotectorShapes(source);
  } finally {
    await source.close();
  }
}
