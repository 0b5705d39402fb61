/**
 * The adapters cwsync knows, by their key in cwsync.yaml: the one place that imports them.
 * A new billing system or usage source is one line here (docs/adding-an-adapter.md).
 */
import type { KnownAdapters } from '../config/load.js';
import type { Config } from '../config/types.js';
import { connectWiseAdapter } from '../connectwise/adapter.js';
import { CwsyncError } from '../errors.js';
import { memoryAdapter } from '../memory/adapter.js';
import { usageFileAdapter } from '../usage/file-adapter.js';
import { mailprotectorAdapter } from '../usage/mailprotector-adapter.js';
import type { ServiceCatalogue } from '../usage/types.js';
import type { AdapterContext, SourceAdapter, TargetAdapter } from './types.js';

const targets: readonly TargetAdapter[] = [connectWiseAdapter, memoryAdapter];
const sources: readonly SourceAdapter[] = [mailprotectorAdapter, usageFileAdapter];

/** Every registered adapter: the published schema embeds their settings schemas (npm run schema). */
export const registered = { targets, sources };

/** Every adapter's tuning settings as cwsync.yaml paths (`connectwise.concurrency`, `usage.mailprotector.requestsPerSecond`). */
export function tuningKeys(): Set<string> {
  return new Set([
    ...targets.flatMap((t) => t.tuning.map((k) => `${t.key}.${k}`)),
    ...sources.flatMap((s) => s.tuning.map((k) => `usage.${s.key}.${k}`)),
  ]);
}

const present = (section: unknown, key: string) =>
  typeof section === 'object' && section !== null && (section as Record<string, unknown>)[key] !== undefined;

/** The billing system the config names (its key at the top of cwsync.yaml); the schema allows exactly one. */
export function targetAdapterFor(config: Config): TargetAdapter {
  const found = targets.find((t) => present(config, t.key));
  if (!found)
    throw new CwsyncError('cwsync.yaml names no billing system', {
      hint: `add the settings of one of: ${targets.map((t) => t.key).join(', ')}`,
    });
  return found;
}

/** The usage source the config names (its key under usage:); the schema allows exactly one. */
export function sourceAdapterFor(config: Config): SourceAdapter {
  const found = sources.find((s) => present(config.usage, s.key));
  if (!found)
    throw new CwsyncError('cwsync.yaml names no usage source', {
      hint: `add one under usage: ${sources.map((s) => s.key).join(', ')}`,
    });
  return found;
}

/**
 * The service names of the usage source a cwsync.yaml names (its data as parsed, before the
 * config is built): what services.yaml is checked against. Undefined when it names no known
 * source, or one without a list of services.
 */
export function configuredServices(cwsync: unknown): ServiceCatalogue | undefined {
  const usage = typeof cwsync === 'object' && cwsync !== null ? (cwsync as Record<string, unknown>).usage : undefined;
  const found = sources.find((s) => present(usage, s.key));
  return found?.capabilities.serviceCatalogue ? found.services : undefined;
}

/** What the config loader needs to know of the registered adapters (config/ imports none of them). */
export const knownAdapters: KnownAdapters = { targets, servicesOf: configuredServices };

/** The configured billing system, connected (`readOnly`: its inquire-only keys). */
export function connectTarget(config: Config, context: AdapterContext & { readOnly?: boolean } = {}) {
  return targetAdapterFor(config).connect(config, context);
}

/** The configured usage source, opened. */
export function openUsageSource(config: Config, context: AdapterContext = {}) {
  return sourceAdapterFor(config).open(config, context);
}
