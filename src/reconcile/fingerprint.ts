/**
 * The fingerprint: a hash of the actions alone, in canonical order, without reasons or times,
 * so the same desired-versus-current difference always gives the same fingerprint. Held
 * actions are part of it: they are changes the plan found, only applied later.
 */
import { createHash } from 'node:crypto';
import type { Action } from './types.js';

export function fingerprint(actions: readonly Action[]): string {
  const canonical = actions
    .map((a) => [a.action, a.agreement.id, a.product.id, a.additionId, a.before, a.after] as const)
    .sort((x, y) => x[1] - y[1] || x[2] - y[2] || x[0].localeCompare(y[0]));
  return `sha256:${createHash('sha256').update(JSON.stringify(canonical)).digest('hex')}`;
}
