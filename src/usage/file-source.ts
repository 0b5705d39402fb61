/** Usage read from a snapshot file (`usage: { file: ... }`), validated with positions. */
import { resolve } from 'node:path';
import { displayPath } from '../config/load.js';
import { checkSchema } from '../config/schemas.js';
import { loadYamlFile } from '../config/yaml-file.js';
import { ConfigError, type Problem } from '../errors.js';
import { sortSnapshot, type UsageSnapshot, type UsageSource } from './types.js';

export function loadSnapshotFile(configDir: string, file: string): { snapshot?: UsageSnapshot; problems: Problem[] } {
  const abs = resolve(configDir, file);
  const { file: parsed, problems } = loadYamlFile(abs, displayPath(abs));
  if (!parsed) return { problems };
  const schemaProblems = checkSchema(parsed, 'usage');
  if (schemaProblems.length > 0) return { problems: schemaProblems };
  return { snapshot: sortSnapshot(parsed.data as UsageSnapshot), problems: [] };
}

export class FileUsageSource implements UsageSource {
  readonly label: string;
  constructor(
    private readonly configDir: string,
    private readonly file: string,
  ) {
    this.label = `usage file ${file}`;
  }

  async read(): Promise<UsageSnapshot> {
    const { snapshot, problems } = loadSnapshotFile(this.configDir, this.file);
    if (!snapshot) throw new ConfigError(problems);
    return snapshot;
  }
}
