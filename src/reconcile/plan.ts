/**
 * The plan as a pure function: config + usage + current additions in, actions out. No I/O,
 * no clock (the caller passes `now`), a stable order, and the safety report for apply.
 */
import { canonicalService, isDeprecatedService } from '../config/mailprotector-services.js';
import type { Config } from '../config/types.js';
import type { ProductRef } from '../connectwise/resolve.js';
import { type Addition, isOpen } from '../connectwise/types.js';
import { isoSeconds } from '../time.js';
import type { CustomerUsage } from '../usage/types.js';
import { desiredFor } from './desired.js';
import { fingerprint } from './fingerprint.js';
import type { MatchedBinding } from './match.js';
import { checkSafety } from './safety.js';
import type { Action, Conflict, Plan, SafetyReport, Warning } from './types.js';

export interface PlanInput {
  config: Pick<Config, 'services' | 'bundles' | 'policy'>;
  matched: MatchedBinding[];
  unbound: CustomerUsage[];
  products: Map<string, ProductRef>;
  /** Additions read per agreement id. */
  additions: Map<number, Addition[]>;
  now: Date;
  source: { commit: string | null; dirty: boolean };
}

export interface PlanResult {
  plan: Plan;
  safety: SafetyReport;
}

/** The catalog identifiers cwsync manages: every mapped service and every bundle. */
export function managedProducts(config: Pick<Config, 'services' | 'bundles'>): string[] {
  const all = [
    ...Object.values(config.services).filter((p): p is string => typeof p === 'string'),
    ...config.bundles.map((b) => b.product),
  ];
  return [...new Set(all)];
}

function byAgreement(matched: MatchedBinding[]): Map<number, MatchedBinding[]> {
  const groups = new Map<number, MatchedBinding[]>();
  for (const m of matched) groups.set(m.resolved.agreement.id, [...(groups.get(m.resolved.agreement.id) ?? []), m]);
  return groups;
}

export function buildPlan(input: PlanInput): PlanResult {
  const { config, now } = input;
  const policy = config.policy;
  const actions: Action[] = [];
  const conflicts: Conflict[] = [];
  const warnings: Warning[] = [];
  let unchanged = 0;
  let managed = 0;
  const unmapped = new Map<string, { users: number; customers: Set<string> }>();

  for (const [agreementId, members] of byAgreement(input.matched)) {
    const first = members[0]!.resolved;
    const customer = members.map((m) => m.usage.name).join(', ');
    const desires = members.map((m) => ({ name: m.usage.name, d: desiredFor(m.resolved.binding, m.usage, config) }));
    for (const { name, d } of desires) {
      for (const [service, users] of d.unmapped) {
        const u = unmapped.get(service) ?? { users: 0, customers: new Set<string>() };
        u.users += users;
        u.customers.add(name);
        unmapped.set(service, u);
      }
    }
    const open = (input.additions.get(agreementId) ?? []).filter((a) => isOpen(a, now));
    for (const identifier of managedProducts(config)) {
      if (desires.some(({ d }) => d.skipped.has(identifier))) continue;
      const product = input.products.get(identifier);
      if (!product) continue;
      const shares = desires.map(({ name, d }) => ({ name, share: d.shares.get(identifier) })).filter((s) => s.share);
      const desired = shares.reduce((n, s) => n + s.share!.quantity, 0);
      const reason =
        shares.length === 0
          ? 'no users'
          : shares.map((s) => (members.length > 1 ? `${s.name}: ${s.share!.reason}` : s.share!.reason)).join('; ');
      const mine = open.filter((a) => a.product.id === product.id);
      managed += mine.length;
      const base = {
        customer,
        company: { id: first.company.id, identifier: first.company.identifier },
        agreement: first.agreement,
        product: { id: product.id, identifier: product.identifier },
      };
      if (mine.length > 1) {
        conflicts.push({
          ...base,
          additionIds: mine.map((a) => a.id).sort((a, b) => a - b),
          desired,
          reason: `${mine.length} open additions of ${product.identifier}; cancel all but one in ConnectWise`,
        });
        continue;
      }
      const current = mine[0];
      if (!current) {
        if (desired === 0) continue;
        if (policy.createMissing)
          actions.push({ action: 'create', ...base, additionId: null, before: null, after: desired, reason });
        else
          warnings.push({
            code: 'missing-addition',
            message: `${product.identifier} on ${base.company.identifier} / ${base.agreement.name}: ${desired} in use but no addition, and policy.createMissing is false`,
          });
        continue;
      }
      if (desired === 0 && policy.onZero === 'cancel') {
        actions.push({ action: 'cancel', ...base, additionId: current.id, before: current.quantity, after: 0, reason });
      } else if (desired === 0 && policy.onZero === 'keep') {
        unchanged++;
      } else if (current.quantity === desired) {
        unchanged++;
      } else {
        actions.push({
          action: 'update',
          ...base,
          additionId: current.id,
          before: current.quantity,
          after: desired,
          reason,
        });
      }
    }
  }

  warnings.push(...usageWarnings(unmapped));
  for (const c of input.unbound)
    warnings.push({
      code: 'unbound-customer',
      message: `Mailprotector customer "${c.name}" (id ${c.id}) is not bound to an agreement`,
    });

  const order = (
    a: { company: { identifier: string }; agreement: { id: number }; product: { identifier: string } },
    b: typeof a,
  ) =>
    a.company.identifier.localeCompare(b.company.identifier) ||
    a.agreement.id - b.agreement.id ||
    a.product.identifier.localeCompare(b.product.identifier);
  actions.sort(order);
  conflicts.sort(order);
  const safety = checkSafety(actions, managed, policy.safety);
  for (const v of safety.violations)
    warnings.push({ code: 'safety-limit', message: `apply will refuse without --force: ${v}` });
  warnings.sort((a, b) => a.code.localeCompare(b.code) || a.message.localeCompare(b.message));

  const count = (k: Action['action']) => actions.filter((a) => a.action === k).length;
  const plan: Plan = {
    formatVersion: 1,
    createdAt: isoSeconds(now),
    source: input.source,
    fingerprint: fingerprint(actions),
    summary: {
      create: count('create'),
      update: count('update'),
      cancel: count('cancel'),
      unchanged,
      conflicts: conflicts.length,
    },
    actions,
    conflicts,
    warnings,
  };
  return { plan, safety };
}

function usageWarnings(unmapped: Map<string, { users: number; customers: Set<string> }>): Warning[] {
  const out: Warning[] = [];
  for (const [service, { users, customers }] of unmapped) {
    const who = `${users} users at ${customers.size} customer${customers.size === 1 ? '' : 's'}`;
    if (!canonicalService(service))
      out.push({
        code: 'unknown-service',
        message: `Mailprotector reports service "${service}", which cwsync does not know (${who}); it is not synced`,
      });
    else if (isDeprecatedService(service))
      out.push({ code: 'deprecated-service', message: `${service} is deprecated and is not synced (${who})` });
    else
      out.push({
        code: 'unmapped-service',
        message: `${service} is in use (${who}) but not in services.yaml: map it to a product, or set it to null (Not Assigned)`,
      });
  }
  return out;
}
