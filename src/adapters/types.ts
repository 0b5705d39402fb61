/**
 * What an adapter is, to the rest of cwsync: a billing system (`TargetAdapter`) or a usage
 * source (`SourceAdapter`), found by its key in cwsync.yaml (registry.ts), saying what it can do
 * and how its settings look, and building its port only when a command needs it (an async
 * `connect`/`open` with dynamic imports, so `validate` loads no HTTP client).
 */

import type { Check } from '../check.js';
import type { Config, SecretRef } from '../config/types.js';
import type { Problem } from '../errors.js';
import type { ShapeRow } from '../http/shape.js';
import type { TransportOptions } from '../http/transport.js';
import type { Logger } from '../log.js';
import type { BillingTarget } from '../reconcile/ports.js';
import type { ServiceCatalogue, UsageSource } from '../usage/types.js';

/** The run's deadline (--max-duration) and the clock it is read by; tests inject a clock. */
export type RunLimits = Pick<TransportOptions, 'deadlineAt' | 'clock'>;

/** A JSON Schema (draft-07) object; `#/definitions/secretRef` is there for secret references. */
type SettingsSchema = Readonly<Record<string, unknown>>;

export interface AdapterContext {
  logger?: Logger;
  run?: RunLimits;
}

interface TargetCapabilities {
  /** A line can be cancelled; without it, policy.onZero: cancel is a config error (config/load.ts). */
  cancelLine: boolean;
  /** A second, inquire-only set of keys for pull-request plans (plan --read-only). */
  readOnlyKeys: boolean;
  /** A snapshot of its state can be saved and planned from (cwsync snapshot, plan --target-snapshot). */
  snapshots: boolean;
}

interface SourceCapabilities {
  /** It owns a list of service names (services.yaml is checked against it). */
  serviceCatalogue: boolean;
  /** It is read live with a key (never in a plan that must hold no write key). */
  live: boolean;
}

/** A billing system, connected: its port, how to let go of it, and how many requests it made. */
export interface ConnectedTarget {
  target: BillingTarget;
  /** Which billing system, for messages and files: "ConnectWise company acme". */
  label: string;
  close(): Promise<void>;
  requests(): number;
}

/** A saved snapshot of a billing system, as a read-only port. */
export interface SnapshotPort {
  target: BillingTarget;
  /** When it was captured (ISO). */
  capturedAt: string;
}

/** What `cwsync doctor` asks of every adapter, and what a pull request may change in its settings. */
interface Diagnostics {
  /**
   * Its settings (paths within its section) that change how hard cwsync works or how lines are
   * dated, not where keys go: a pull request may change them and still get a plan.
   */
  readonly tuning: readonly string[];
  /** The secret references a run resolves, by where cwsync.yaml writes them: doctor checks each one. */
  secrets(config: Config): Array<[where: string, ref: SecretRef]>;
  /** `doctor --shapes`: how its API answers, against what cwsync assumes (no values, no secrets). */
  shapes?(config: Config, context: AdapterContext): Promise<ShapeRow[]>;
}

export interface TargetAdapter extends Diagnostics {
  /** Its key in cwsync.yaml: `connectwise:`. */
  readonly key: string;
  /** Its name in messages: "ConnectWise". */
  readonly name: string;
  readonly capabilities: TargetCapabilities;
  /** The JSON Schema of its section (`connectwise:`), embedded in the published schema/cwsync.schema.json. */
  readonly settingsSchema: SettingsSchema;
  /** Requests in flight at once when reading it (the plan reads twice as many as it writes). */
  concurrency(config: Config): number;
  /** The billing system for this config; resolving secrets here is what makes them required. */
  connect(config: Config, context: AdapterContext & { readOnly?: boolean }): Promise<ConnectedTarget>;
  /** Only with `capabilities.snapshots`: the port over a saved snapshot (plan --target-snapshot). */
  fromSnapshot?(config: Config, path: string, maxAgeMs: number, now: Date): Promise<SnapshotPort>;
  /**
   * Only with `capabilities.snapshots`: `cwsync snapshot`, what a pull request's plan needs of
   * it, as the file's text and a line saying what it holds. Only reads.
   */
  captureSnapshot?(config: Config, options: CaptureOptions): Promise<{ text: string; summary: string }>;
  /** `cwsync doctor`: reachable, keys accepted, the rights a run needs, the catalogue items services.yaml maps. */
  doctor(config: Config, context: AdapterContext): Promise<Check[]>;
}

type OpenedSource = UsageSource & { close?: () => Promise<void> };

export interface CaptureOptions extends AdapterContext {
  /** With its read-only keys (plan --read-only's), never the write keys. */
  readOnly?: boolean;
  /** Every agreement, not only the bound ones (so a pull request may bind a new one). */
  allAgreements?: boolean;
}

export interface SourceAdapter extends Diagnostics {
  /** Its key under `usage:` in cwsync.yaml: `mailprotector`, `file`. */
  readonly key: string;
  /** Its name in messages: "Mailprotector". */
  readonly name: string;
  readonly capabilities: SourceCapabilities;
  /** The JSON Schema of its entry under `usage:`, embedded in the published schema/cwsync.schema.json. */
  readonly settingsSchema: SettingsSchema;
  /** The service names services.yaml and the usage speak, with their aliases. */
  readonly services: ServiceCatalogue;
  open(config: Config, context: AdapterContext): Promise<OpenedSource>;
  /** `cwsync validate`: what can be checked of it without a request (a usage file parses and validates). */
  validate?(config: Config): Promise<Problem[]>;
}
