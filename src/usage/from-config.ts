import type { Config } from '../config/types.js';
import type { TransportOptions } from '../http/transport.js';
import type { Logger } from '../log.js';
import { resolveSecret } from '../secrets.js';
import { FileUsageSource } from './file-source.js';
import { MailprotectorUsageSource } from './mailprotector.js';
import { MAILPROTECTOR_SERVICES } from './mailprotector-services.js';
import type { ServiceCatalogue, UsageSource } from './types.js';

/**
 * The service names services.yaml and the usage speak: Mailprotector's, for a usage file and
 * a saved snapshot too (both are the format `cwsync usage --format json` writes).
 */
export function serviceCatalogueFor(_config: Config): ServiceCatalogue {
  return MAILPROTECTOR_SERVICES;
}

export function usageSourceFromConfig(
  config: Config,
  logger?: Logger,
  /** The run's deadline and clock (--max-duration). */
  run: Pick<TransportOptions, 'deadlineAt' | 'clock'> = {},
): UsageSource & { close?: () => Promise<void> } {
  const mp = config.usage.mailprotector;
  if (!mp) return new FileUsageSource(config.dir, config.usage.file!);
  return new MailprotectorUsageSource(mp, resolveSecret(mp.apiKey, config.dir, 'usage.mailprotector.apiKey'), logger, {
    timeoutMs: (mp.timeoutSeconds ?? 30) * 1000,
    ...run,
  });
}
