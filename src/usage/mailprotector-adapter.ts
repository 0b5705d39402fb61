/**
 * Mailprotector as a usage source (`usage: { mailprotector: ... }`). Light on purpose (the
 * registry imports it): the API client loads only when a command opens the source.
 */
import type { SourceAdapter } from '../adapters/types.js';
import { resolveSecret } from '../secrets.js';
import { MAILPROTECTOR_SERVICES } from './mailprotector-services.js';

export const mailprotectorAdapter: SourceAdapter = {
  key: 'mailprotector',
  name: 'Mailprotector',
  capabilities: { serviceCatalogue: true, live: true },
  services: MAILPROTECTOR_SERVICES,
  async open(config, context) {
    const mp = config.usage.mailprotector!;
    const { MailprotectorUsageSource } = await import('./mailprotector.js');
    return new MailprotectorUsageSource(
      mp,
      resolveSecret(mp.apiKey, config.dir, 'usage.mailprotector.apiKey'),
      context.logger,
      { timeoutMs: (mp.timeoutSeconds ?? 30) * 1000, ...context.run },
    );
  },
};
