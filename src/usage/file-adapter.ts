/** A usage snapshot file as the usage source (`usage: { file: usage.json }`, relative to the config directory). */
import type { SourceAdapter } from '../adapters/types.js';
import { MAILPROTECTOR_SERVICES } from './mailprotector-services.js';
import { usageFileSettingsSchema } from './settings-schemas.js';

export const usageFileAdapter: SourceAdapter = {
  key: 'file',
  name: 'the usage file',
  capabilities: { serviceCatalogue: true, live: false },
  settingsSchema: usageFileSettingsSchema,
  tuning: [],
  // A snapshot file is what `cwsync usage --format json` writes: the names of the live source.
  services: MAILPROTECTOR_SERVICES,
  secrets: () => [],
  async validate(config) {
    const { loadSnapshotFile } = await import('./file-source.js');
    return loadSnapshotFile(config.dir, config.usage.file!).problems;
  },
  async open(config) {
    const { FileUsageSource } = await import('./file-source.js');
    return new FileUsageSource(config.dir, config.usage.file!);
  },
};
