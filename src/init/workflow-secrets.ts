/**
 * The environment variables the workflows fill from secrets. A `{ env: NAME }` in cwsync.yaml
 * that no workflow sets reads nothing in GitHub Actions (a typo such as CW_PUBLC_KEY passes the
 * schema and every check on a laptop that happens to export it), so `validate` warns. The names
 * come from the workflows themselves: the ones `cwsync init` writes (its templates) and, when
 * the config repository has them, its own; never from a second list kept by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { Config, SecretRef } from '../config/types.js';
import { scaffoldFiles } from './scaffold.js';

const FROM_SECRET = /\$\{\{[^}]*\bsecrets\./;

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every `env:` key, at any level of a parsed workflow, whose value is filled from a secret. */
function secretEnvNames(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) secretEnvNames(item, into);
    return;
  }
  if (!isMapping(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'env' && isMapping(value)) addSecretNames(value, into);
    else secretEnvNames(value, into);
  }
}

/** The names of one `env:` mapping whose values come from a secret. */
function addSecretNames(env: Record<string, unknown>, into: Set<string>): void {
  for (const [name, v] of Object.entries(env)) if (FROM_SECRET.test(String(v))) into.add(name);
}

function parsed(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return undefined; // a workflow that is not YAML sets nothing; GitHub reports it
  }
}

/** The config repository's own workflows: .github/workflows beside the config directory. */
function ownWorkflows(configDir: string): string[] {
  const dir = join(dirname(configDir), '.github', 'workflows');
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => readFileSync(join(dir, e.name), 'utf8'));
  } catch {
    return [];
  }
}

export function workflowSecretEnv(configDir: string): Set<string> {
  const names = new Set<string>();
  const templates = scaffoldFiles()
    .filter((f) => f.path.startsWith('.github/workflows/'))
    .map((f) => f.content);
  for (const text of [...templates, ...ownWorkflows(configDir)]) secretEnvNames(parsed(text), names);
  return names;
}

/** Each `{ env: NAME }` secret reference of the config, with its path in cwsync.yaml. */
export function envReferences(config: Config): Array<{ path: string[]; name: string }> {
  const cw = config.connectwise;
  const refs: Array<[string[], SecretRef | undefined]> = [
    [['connectwise', 'publicKey'], cw?.publicKey],
    [['connectwise', 'privateKey'], cw?.privateKey],
    [['connectwise', 'clientId'], cw?.clientId],
    [['connectwise', 'readOnly', 'publicKey'], cw?.readOnly?.publicKey],
    [['connectwise', 'readOnly', 'privateKey'], cw?.readOnly?.privateKey],
    [['connectwise', 'readOnly', 'clientId'], cw?.readOnly?.clientId],
    [['usage', 'mailprotector', 'apiKey'], config.usage.mailprotector?.apiKey],
  ];
  return refs.flatMap(([path, ref]) => (ref && 'env' in ref ? [{ path, name: ref.env }] : []));
}
