/** The shared first half of plan and apply: config, git state, the two ports, reads, the plan. */
import { connectTarget as connectConfigured, sourceAdapterFor, targetAdapterFor } from '../adapters/registry.js';
import type { ConnectedTarget, RunLimits } from '../adapters/types.js';
import { configDigest } from '../config/digest.js';
import type { Config } from '../config/types.js';
import { RefusedError } from '../errors.js';
import type { GitState } from '../git/state.js';
import type { Logger } from '../log.js';
import { createProgress } from '../progress.js';
import { gather } from '../reconcile/gather.js';
import { buildPlan, type PlanInput } from '../reconcile/plan.js';
import type { BillingTarget } from '../reconcile/ports.js';
import type { Plan, TargetProvenance } from '../reconcile/types.js';
import { SnapshotUsageSource } from '../usage/snapshot-source.js';
import type { UsageSource } from '../usage/types.js';

export type { RunLimits };

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
  /** Return what the plan was computed from (explain reads it); otherwise it is let go once the plan is built. */
  keepInput?: boolean;
}

interface Connected {
  target: BillingTarget;
  close(): Promise<void>;
}

/** The configured billing system (asked of the registry), connected with its write keys. */
export function connectTarget(config: Config, logger: Logger, run: RunLimits = {}): Promise<ConnectedTarget> {
  return connectConfigured(config, { logger, run });
}

/** The billing system for a plan: its saved snapshot (no key), its read-only keys, or its keys. */
async function targetFor(config: Config, logger: Logger, request: PlanRequest) {
  const adapter = targetAdapterFor(config);
  if (request.targetSnapshot) {
    const { path, maxAgeMs } = request.targetSnapshot;
    if (!adapter.fromSnapshot)
      throw new RefusedError(`--target-snapshot: ${adapter.name} has no snapshots`, {
        hint: 'plan without --target-snapshot',
      });
    const { target, capturedAt } = await adapter.fromSnapshot(config, path, maxAgeMs, request.now ?? new Date());
    const provenance: TargetProvenance = { source: 'snapshot', capturedAt, label: `${adapter.name} snapshot ${path}` };
    return { target, close: async () => {}, requests: () => 0, provenance };
  }
  if (request.readOnly && !adapter.capabilities.readOnlyKeys)
    throw new RefusedError(`--read-only: ${adapter.name} has no read-only keys`, {
      hint: 'plan without --read-only',
    });
  const provenance: TargetProvenance | undefined = request.readOnly
    ? { source: 'read-only', capturedAt: null, label: `${adapter.name}, read live with the read-only key` }
    : undefined;
  const connected = await adapter.connect(config, { logger, run: request.run, readOnly: request.readOnly });
  return { ...connected, provenance };
}

/**
 * A plan that must hold no write key (--read-only, --target-snapshot) holds no live usage
 * source's key either: such a key acts with the account's full rights.
 */
function refuseLiveUsage(config: Config, request: PlanRequest): void {
  if (request.snapshot || !(request.readOnly || request.targetSnapshot)) return;
  const source = sourceAdapterFor(config);
  if (!source.capabilities.live) return;
  const flag = request.targetSnapshot ? '--target-snapshot' : '--read-only';
  throw new RefusedError(`${flag} plans never read ${source.name} (its key can do anything its account can)`, {
    hint: "pass the nightly's usage snapshot with --usage-snapshot FILE",
  });
}

async function usageFor(config: Config, logger: Logger, request: PlanRequest) {
  if (request.snapshot) {
    const now = request.now ?? new Date();
    const source: UsageSource = new SnapshotUsageSource(request.snapshot.path, request.snapshot.maxAgeMs, () => now);
    return { source, kind: 'snapshot', live: false, close: async () => {} };
  }
  const adapter = sourceAdapterFor(config);
  const source = await adapter.open(config, { logger, run: request.run });
  return { source, kind: adapter.key, live: adapter.capabilities.live, close: async () => source.close?.() };
}

export interface Planned extends Connected {
  plan: Plan;
  /** What a fresh plan was computed from, with keepInput (explain reads it). */
  input?: PlanInput;
}

export async function planFor(
  config: Config,
  git: GitState,
  logger: Logger,
  request: PlanRequest = {},
): Promise<Planned> {
  refuseLiveUsage(config, request);
  const connected = await targetFor(config, logger, request);
  const usage = await usageFor(config, logger, request).catch(async (err) => {
    await connected.close();
    throw err;
  });
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
      live: usage.live,
      names: { billing: targetAdapterFor(config).name, usage: sourceAdapterFor(config).name },
      services: sourceAdapterFor(config).services,
      now: request.now ?? new Date(),
      source: { commit: git.commit, dirty: git.dirty, config: configDigest(config) },
      scope: request.scope,
      concurrency: targetAdapterFor(config).concurrency(config) * 2,
    });
    progress.end();
    const plan: Plan = { ...buildPlan(input), ...(connected.provenance ? { target: connected.provenance } : {}) };
    logger.info(
      { fingerprint: plan.fingerprint, summary: plan.summary, targetRequests: connected.requests() },
      'planned',
    );
    // The input holds every line read (some 100,000 at 20,000 customers): kept only when asked,
    // it is not held while the plan is rendered and written, where a run's memory peaks.
    return { plan, ...(request.keepInput ? { input } : {}), target: connected.target, close };
  } catch (err) {
    progress.end();
    await close();
    throw err;
  }
}
