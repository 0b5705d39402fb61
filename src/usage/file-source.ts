/**
 * Usage read from a snapshot file (`usage: { file: ... }`, or `plan --usage-snapshot FILE`),
 * validated with positions. A snapshot is data, not config: its problems give positions and
 * kinds of error, never its text.
 */
import { resolve } from 'node:path';
import { displayPath } from '../config/load.js';
import { checkSchema } from '../config/schemas.js';
import { loadYamlFile } from '../config/yaml-file.js';
import { ConfigError, type Problem } from '../errors.js';
import { sortSnapshot, type UsageSnapshot, type UsageSource } from './types.js';

/** Room for well over 20,000 customers. */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a snapshot at `absPath`. With `within` (usage.file, named by the config) the file must
 * stay inside that directory; a file named on the command line may be anywhere.
 */
export function loadSnapshotAt(
  absPath: string,
  options: { display?: string; within?: string } = {},
): { snapshot?: UsageSnapshot; problems: Problem[] } {
  const { file: parsed, problems } = loadYamlFile(absPath, options.display ?? displayPath(absPath), {
    quote: false,
    maxBytes: MAX_SNAPSHOT_BYTES,
    ...(options.within ? { within: options.within } : {}),
  });
  if (!parsed) return { problems };
  const schemaProblems = checkSchema(parsed, 'usage', { quote: false });
  if (schemaProblems.length > 0) return { problems: schemaProblems };
  return { snapshot: sortSnapshot(parsed.data as UsageSnapshot), problems: [] };
}

/** usage.file: relative to the config directory, and inside it. */
export function loadSnapshotFile(configDir: string, file: string): { snapshot?: UsageSnapshot; problems: Problem[] } {
  return loadSnapshotAt(resolve(configDir, file), { within: configDir });
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
