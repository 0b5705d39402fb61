/** The shared first half of plan and apply: config, git state, the two ports, reads, the plan. */
import { configDigest } from '../config/digest.js';
import type { Config } from '../config/types.js';
import type { ClientOptions } from '../connectwise/client.js';
import { connectWiseFromConfig } from '../connectwise/from-config.js';
import { SnapshotTarget } from '../connectwise/snapshot-target.js';
import { ConnectWiseTarget } from '../connectwise/target.js';
import { loadTargetSnapshot } from '../connectwise/target-snapshot.js';
import { RefusedError } from '../errors.js';
import type { GitState } from '../git/state.js';
import type { Logger } from '../log.js';
import { createProgress } from '../progress.js';
import { gather } from '../reconcile/gather.js';
import { buildPlan, type PlanInput } from '../reconcile/plan.js';
import type { BillingTarget } from '../reconcile/ports.js';
import type { Plan, TargetProvenance, UsageProvenance } from '../reconcile/types.js';
import { serviceCatalogueFor, usageSourceFromConfig } from '../usage/from-config.js';
import { SnapshotUsageSource } from '../usage/snapshot-source.js';
import type { UsageSource } from '../usage/types.js';

export interface PlanRequest {
  /** --customer: only these bindings. */
  scope?: string[];
  /** --usage-snapshot and its max age: plan from a saved snapshot instead of the usage source. */
  snapshot?: { path: string; maxAgeMs: number };
  /** --target-snapshot and its max age: ConnectWise from the nightly's snapshot, so no ConnectWise key at all. */
  targetSnapshot?: { path: string; maxAgeMs: number };
  /** --read-only: ConnectWise live with connectwise.readOnly's keys only, never the write keys. */
  readOnly?: boolean;
  now?: Date;
  /** The run's deadline (--max-duration) and the clock it is read by; tests inject a clock. */
  run?: RunLimits;
}

export type RunLimits = Pick<ClientOptions, 'deadlineAt' | 'clock'>;

export interface Connected {
  target: BillingTarget;
  close(): Promise<void>;
}

/** The billing target for the configured tenant; resolving the secrets here is what makes them required. */
export function connectTarget(
  config: Config,
  logger: Logger,
  options: { readOnly?: boolean } & RunLimits = {},
): Connected & { requests: () => number } {
  const cw = connectWiseFromConfig(config, logger, options);
  const target = new ConnectWiseTarget(cw, { agreementStatuses: config.policy.agreementStatuses });
  return { target, close: () => cw.close(), requests: () => cw.transport.stats.requests };
}

/** ConnectWise for a plan: the snapshot (no key), the read-only keys, or the configured keys. */
function targetFor(config: Config, logger: Logger, request: PlanRequest) {
  if (request.targetSnapshot) {
    const { path, maxAgeMs } = request.targetSnapshot;
    const snapshot = loadTargetSnapshot(path, config.connectwise, maxAgeMs, request.now ?? new Date());
    const target = new SnapshotTarget(snapshot, path, { agreementStatuses: config.policy.agreementStatuses });
    const provenance: TargetProvenance = {
      source: 'snapshot',
      capturedAt: snapshot.capturedAt,
      label: `ConnectWise snapshot ${path}`,
    };
    return { target, close: async () => {}, requests: () => 0, provenance };
  }
  const provenance: TargetProvenance | undefined = request.readOnly
    ? { source: 'read-only', capturedAt: null, label: 'ConnectWise, read live with the read-only key' }
    : undefined;
  return { ...connectTarget(config, logger, { readOnly: request.readOnly, ...request.run }), provenance };
}

/**
 * A plan that must hold no write key (--read-only, --target-snapshot) holds no Mailprotector
 * key either: its key acts with the reseller's full rights.
 */
function refuseLiveUsage(config: Config, request: PlanRequest): void {
  if (request.snapshot || !config.usage.mailprotector || !(request.readOnly || request.targetSnapshot)) return;
  const flag = request.targetSnapshot ? '--target-snapshot' : '--read-only';
  throw new RefusedError(`${flag} plans never read Mailprotector (its key can do anything the reseller can)`, {
    hint: "pass the nightly's usage snapshot with --usage-snapshot FILE",
  });
}

function usageFor(config: Config, logger: Logger, request: PlanRequest) {
  if (request.snapshot) {
    const now = request.now ?? new Date();
    const source: UsageSource = new SnapshotUsageSource(request.snapshot.path, request.snapshot.maxAgeMs, () => now);
    return { source, kind: 'snapshot' as UsageProvenance['source'], close: async () => {} };
  }
  const source = usageSourceFromConfig(config, logger, request.run);
  const kind: UsageProvenance['source'] = config.usage.mailprotector ? 'mailprotector' : 'file';
  return { source, kind, close: async () => source.close?.() };
}

export interface Planned extends Connected {
  plan: Plan;
  /** What a fresh plan was computed from (explain reads it); absent for a saved plan. */
  input?: PlanInput;
}

export async function planFor(
  config: Config,
  git: GitState,
  logger: Logger,
  request: PlanRequest = {},
): Promise<Planned> {
  refuseLiveUsage(config, request);
  const connected = targetFor(config, logger, request);
  const usage = usageFor(config, logger, request);
  const close = async () => {
    await Promise.all([connected.close(), usage.close()]);
  };
  const progress = createProgress({ label: usage.source.label });
  try {
    const input = await gather(config, {
      onProgress: (p) => progress.update(p),
      target: connected.target,
      usage: usage.source,
      usageKind: usage.kind,
      services: serviceCatalogueFor(config),
      now: request.now ?? new Date(),
      source: { commit: git.commit, dirty: git.dirty, config: configDigest(config) },
      scope: request.scope,
      concurrency: config.connectwise.concurrency * 2,
    });
    progress.end();
    const plan: Plan = { ...buildPlan(input), ...(connected.provenance ? { target: connected.provenance } : {}) };
    logger.info(
      { fingerprint: plan.fingerprint, summary: plan.summary, connectwiseRequests: connected.requests() },
      'planned',
    );
    return { plan, input, target: connected.target, close };
  } catch (err) {
    progress.end();
    await close();
    throw err;
  }
}
