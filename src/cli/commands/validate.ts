import { join } from 'node:path';
import { knownAdapters, sourceAdapterFor } from '../../adapters/registry.js';
import { displayPath, loadValidConfig } from '../../config/load.js';
import { nearest } from '../../config/suggest.js';
import type { Config } from '../../config/types.js';
import { loadYamlFile, problemAt } from '../../config/yaml-file.js';
import { ConfigError, formatProblem, type Problem } from '../../errors.js';
import { envReferences, workflowSecretEnv } from '../../init/workflow-secrets.js';
import { shownLines } from '../../text-hygiene.js';
import { plural } from '../../words.js';
import type { ExitCode } from '../run.js';

/**
 * A secret read from an environment variable no workflow sets: valid, and empty in GitHub
 * Actions. A warning, not an error: a laptop may export it, and the workflows may be edited.
 */
function unsetSecretWarnings(config: Config): Problem[] {
  const passed = workflowSecretEnv(config.dir);
  const unset = envReferences(config).filter((r) => !passed.has(r.name));
  if (unset.length === 0) return [];
  const abs = join(config.dir, 'cwsync.yaml');
  const { file } = loadYamlFile(abs, displayPath(abs), { within: config.dir });
  if (!file) return [];
  const known = [...passed].sort();
  return unset.map(({ path, name }) => {
    const near = nearest(name, known);
    return problemAt(
      file,
      [...path, 'env'],
      `warning: ${path.join('.')} reads the environment variable ${name}, which the cwsync workflows never set, so it is empty in GitHub Actions`,
      `${near ? `did you mean ${near}? ` : ''}the workflows set ${known.join(', ')} from secrets; use one of them, or pass ${name} in every workflow step that runs cwsync`,
    );
  });
}

export async function validateCommand(opts: { config: string }): Promise<ExitCode> {
  const config = loadValidConfig(opts.config, knownAdapters);
  // What the usage source can check without a request (a usage file: it parses and validates).
  const sourceProblems = (await sourceAdapterFor(config).validate?.(config)) ?? [];
  if (sourceProblems.length > 0) throw new ConfigError(sourceProblems);
  const warnings = unsetSecretWarnings(config);
  for (const w of warnings) process.stderr.write(`${shownLines(formatProblem(w))}\n`);
  const mapped = Object.values(config.services).filter((p) => p !== null).length;
  const unassigned = Object.keys(config.services).length - mapped;
  process.stdout.write(
    `valid: ${plural(config.customers.length, 'customer')}, ${plural(mapped, 'mapping')}${unassigned ? ` (+${unassigned} Not Assigned)` : ''}, ${plural(config.bundles.length, 'bundle')}${warnings.length ? `; ${plural(warnings.length, 'warning')} (above)` : ''}\n`,
  );
  return 0;
}
