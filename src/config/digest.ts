/**
 * A digest of the config as read (connections, policy, mappings, bindings), so a saved plan can
 * be applied only under the very config it was planned with, committed or not. Positions and
 * the directory are left out: moving a binding to another line or file changes nothing billed.
 */
import { createHash } from 'node:crypto';
import type { Config } from './types.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  );
}

export function configDigest(config: Config): string {
  const { dir: _dir, customers, ...rest } = config;
  const bindings = customers.map(({ source: _source, ...b }) => b);
  const text = JSON.stringify(canonical({ ...rest, customers: bindings }));
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
