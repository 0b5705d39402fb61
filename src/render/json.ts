/** The plan as JSON, format version 1 (SPEC section 5), with its keys in the documented order. */
import type { Plan } from '../reconcile/types.js';
import { escapeJsonText } from '../text-hygiene.js';

export function renderJson(plan: Plan): string {
  const ordered: Plan = {
    formatVersion: plan.formatVersion,
    createdAt: plan.createdAt,
    source: plan.source,
    fingerprint: plan.fingerprint,
    summary: plan.summary,
    actions: plan.actions,
    conflicts: plan.conflicts,
    warnings: plan.warnings,
    errors: plan.errors,
    held: plan.held,
    usage: plan.usage,
    ...(plan.target ? { target: plan.target } : {}),
    scope: plan.scope,
    safety: plan.safety,
    notBilled: plan.notBilled,
    unmanaged: plan.unmanaged ?? [],
    observed: plan.observed,
    // Last: what the actions follow from, for apply --plan to recompute them (long; read by machines).
    ...(plan.inputs ? { inputs: plan.inputs } : {}),
  };
  // The same data, with bidi and other hidden characters as JSON escapes, so printing it is safe.
  return `${escapeJsonText(JSON.stringify(ordered, null, 2))}\n`;
}
