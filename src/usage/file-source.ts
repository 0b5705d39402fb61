/**
 * Usage read from a snapshot file (`usage: { file: ... }`, or `plan --usage-snapshot FILE`),
 * validated with positions. A snapshot is data, not config: its problems give positions and
 * kinds of error, never its text.
 */
import { resolve } from 'node:path';
import { displayPath } from '../config/load.js';
import { checkSchema, isValid } from '../config/schemas.js';
import { parseYamlText, readTextFile } from '../config/yaml-file.js';
import { ConfigError, type Problem } from '../errors.js';
import { mayHoldUnsafeInteger, unsafeIntegerAt } from '../safe-integer.js';
import { sortSnapshot, type UsageSnapshot, type UsageSource } from './types.js';

/** Room for well over 20,000 customers. */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a snapshot at `absPath`. With `within` (usage.file, named by the config) the file must
 * stay inside that directory; a file named on the command line may be anywhere.
 */
export function loadSnapshotAt(
  absPath: string,
  options: { display?: string; within?: string } = {},
): { snapshot?: UsageSnapshot; problems: Problem[] } {
  const display = options.display ?? displayPath(absPath);
  const read = readTextFile(absPath, display, {
    maxBytes: MAX_SNAPSHOT_BYTES,
    ...(options.within ? { within: options.within } : {}),
  });
  if (!('text' in read)) return read;
  // Snapshots are JSON as cwsync writes them: JSON.parse reads 20,000 customers in well under a
  // second, the positioned YAML parser in over ten and 1 GB. Positions are only needed to
  // report a problem, so the slow path runs only then (or for a snapshot written as YAML).
  const fast = parseJson(read.text);
  // An integer beyond 2^53 is read as another number: the positioned path says where it is.
  if (fast !== undefined && !(mayHoldUnsafeInteger(read.text) && unsafeIntegerAt(fast)) && isValid(fast, 'usage'))
    return { snapshot: sortSnapshot(fast as UsageSnapshot), problems: [] };
  const { file: parsed, problems } = parseYamlText(read.text, display, { quote: false });
  if (!parsed) return { problems };
  const schemaProblems = checkSchema(parsed, 'usage', { quote: false });
  if (schemaProblems.length > 0) return { problems: schemaProblems };
  return { snapshot: sortSnapshot(parsed.data as UsageSnapshot), problems: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
