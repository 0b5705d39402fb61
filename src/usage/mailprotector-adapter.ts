/**
 * Mailprotector as a usage source (`usage: { mailprotector: ... }`). Light on purpose (the
 * registry imports it): the API client loads only when a command opens the source.
 */
import type { SourceAdapter } from '../adapters/types.js';
import { resolveSecret } from '../secrets.js';
import type { MailprotectorUsageSource } from './mailprotector.js';
import { MAILPROTECTOR_SERVICES } from './mailprotector-services.js';
import { mailprotectorSettingsSchema } from './settings-schemas.js';
import type { CustomersReadOptions } from './types.js';

export const mailprotectorAdapter: SourceAdapter = {
  key: 'mailprotector',
  name: 'Mailprotector',
  capabilities: { serviceCatalogue: true, live: true },
  settingsSchema: mailprotectorSettingsSchema,
  tuning: ['concurrency', 'requestsPerSecond', 'timeoutSeconds'],
  services: MAILPROTECTOR_SERVICES,
  secrets: (config) => [['usage.mailprotector.apiKey', config.usage.mailprotector!.apiKey]],
  async shapes(config, context) {
    const source = await mailprotectorAdapter.open(config, context);
    const { describeMailprotectorShapes } = await import('./mailprotector-shapes.js');
    try {
      return await describeMailprotectorShapes(source as MailprotectorUsageSource);
    } finally {
      await source.close?.();
    }
  },
  async open(config, context) {
    const mp = config.usage.mailprotector!;
    const { MailprotectorUsageSource } = await import('./mailprotector.js');
    const { mailprotectorCustomers } = await import('./mailprotector-customers.js');
    const source = new MailprotectorUsageSource(
      mp,
      resolveSecret(mp.apiKey, config.dir, 'usage.mailprotector.apiKey'),
      context.logger,
      { timeoutMs: (mp.timeoutSeconds ?? 30) * 1000, ...context.run },
    );
    // The customers read (import's) is the source's, with the reseller-wide domain list.
    return Object.assign(source, {
      customers: (options: CustomersReadOptions) => mailprotectorCustomers(source, mp.reseller, options),
    });
  },
};
