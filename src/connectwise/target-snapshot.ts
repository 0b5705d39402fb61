/**
 * A ConnectWise snapshot (SPEC §7): what a pull request's plan needs to know of ConnectWise,
 * captured by the nightly (which holds a key) so that a pull request's plan needs none. Every
 * company and open agreement (so new bindings resolve, with did-you-mean, by the same rules as
 * live), the catalog items services.yaml mapped when it was captured, and the additions of the
 * agreements bound then (or of every agreement, with `all`). Read back like any file named on
 * the command line: size cap, regular file, shape checked, integers safe.
 */
import { resolve } from 'node:path';
import { forEachLimit } from '../concurrency.js';
import { readJsonFile } from '../config/safe-file.js';
import type { Binding, ConnectWiseSettings } from '../config/types.js';
import { CwsyncError, RefusedError } from '../errors.js';
import { type AnswerFacts, checkList, type RecordSpec } from '../http/shape.js';
import { isoSeconds } from '../time.js';
import type { ConnectWiseClient } from './client.js';
import { type Directory, liveDirectory, resolveIn } from './resolve.js';
import { ADDITION, AGREEMENT, CATALOG_ITEM, COMPANY } from './shapes.js';
import type { Addition, Agreement, CatalogItem, Company } from './types.js';

const TARGET_SNAPSHOT_KIND = 'cwsync-target-snapshot';

export interface TargetSnapshot {
  formatVersion: 1;
  kind: typeof TARGET_SNAPSHOT_KIND;
  /** When ConnectWise was read. */
  capturedAt: string;
  /** Which ConnectWise it was read from: a snapshot of another tenant is refused. */
  connectwise: { url?: string; site?: string; company: string };
  companies: Company[];
  agreements: Agreement[];
  /** The identifiers looked up (services.yaml when captured), found or not, and the items found. */
  catalog: { identifiers: string[]; items: CatalogItem[] };
  /** The additions of each captured agreement, every product, open or not. */
  additions: Array<{ agreementId: number; lines: Addition[] }>;
}

const identityOf = (cw: Pick<ConnectWiseSettings, 'url' | 'site' | 'company'>) => ({
  ...(cw.url ? { url: cw.url } : {}),
  ...(cw.site ? { site: cw.site } : {}),
  company: cw.company,
});

/** A snapshot as a directory: the same lookups resolve.ts makes of ConnectWise, answered from memory. */
export function snapshotDirectory(s: Pick<TargetSnapshot, 'companies' | 'agreements' | 'catalog'>): Directory {
  return {
    // Every company is there: the rules then match exactly, as they do after reading every page.
    companies: async () => ({ rows: s.companies, all: true }),
    allCompanies: async () => s.companies,
    agreements: async (field, values) => {
      const wanted = new Set(values);
      return s.agreements.filter((a) => wanted.has(field === 'id' ? a.id : a.company.id));
    },
    catalogItems: async (identifiers) => {
      const wanted = new Set(identifiers.map((i) => i.toLowerCase()));
      return s.catalog.items.filter((i) => wanted.has(i.identifier.toLowerCase()));
    },
  };
}

export interface CaptureRequest {
  bindings: Binding[];
  productIdentifiers: string[];
  /** Additions of every open agreement, not only the bound ones (one request per agreement). */
  allAgreements: boolean;
  concurrency: number;
  now: () => Date;
}

/** Reads ConnectWise into a snapshot; only reads. */
export async function captureTargetSnapshot(
  client: ConnectWiseClient,
  settings: ConnectWiseSettings,
  request: CaptureRequest,
): Promise<TargetSnapshot> {
  const capturedAt = isoSeconds(request.now());
  const companies = (await client.companies(undefined)).filter((c) => c.deletedFlag !== true);
  const agreements = (await client.agreements(undefined)).filter(
    (a) => a.agreementStatus !== 'Cancelled' && a.cancelledFlag !== true,
  );
  const identifiers = [...new Set(request.productIdentifiers)].sort();
  const items = identifiers.length ? await liveDirectory(client).catalogItems(identifiers) : [];
  const catalog = { identifiers, items };
  // Every bound agreement's lines, whatever its status: the plan made from the snapshot judges the status.
  const resolution = await resolveIn(snapshotDirectory({ companies, agreements, catalog }), request.bindings, [], {
    agreementStatuses: ['Active', 'Expired', 'Inactive'],
  });
  const ids = request.allAgreements
    ? agreements.map((a) => a.id)
    : [...new Set(resolution.bindings.map((b) => b.agreement.id))];
  const additions: TargetSnapshot['additions'] = [];
  await forEachLimit(
    ids.sort((a, b) => a - b),
    request.concurrency,
    async (agreementId) => {
      additions.push({ agreementId, lines: await client.additions(agreementId) });
    },
  );
  additions.sort((a, b) => a.agreementId - b.agreementId);
  return {
    formatVersion: 1,
    kind: TARGET_SNAPSHOT_KIND,
    capturedAt,
    connectwise: identityOf(settings),
    companies,
    agreements,
    catalog,
    additions,
  };
}

/** Where a value holds an integer that JSON cannot carry exactly (beyond 2^53), or a number that is not finite. */
function unsafeNumberAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = unsafeNumberAt(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`);
    if (found) return found;
  }
  return undefined;
}

const asAnswer = (body: unknown): AnswerFacts => ({
  status: 200,
  headers: new Headers(),
  body,
  bytes: 0,
  format: 'json',
});

function listProblem(body: unknown, spec: RecordSpec, where: string): string | undefined {
  const checked = checkList(asAnswer(body), spec);
  return checked.ok ? undefined : `${where}: expected ${checked.expected}${checked.why ? `, but ${checked.why}` : ''}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function additionsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'additions: expected a list';
  for (const [i, entry] of value.entries()) {
    if (!isObject(entry) || !Number.isSafeInteger(entry.agreementId))
      return `additions[${i}]: expected { agreementId: integer, lines: [...] }`;
    const bad = listProblem(entry.lines, ADDITION, `additions[${i}].lines`);
    if (bad) return bad;
  }
  return undefined;
}

function catalogProblem(value: unknown): string | undefined {
  if (!isObject(value) || !Array.isArray(value.identifiers) || !value.identifiers.every((i) => typeof i === 'string'))
    return 'catalog: expected { identifiers: [strings], items: [...] }';
  return listProblem(value.items, CATALOG_ITEM, 'catalog.items');
}

function identityProblem(value: unknown): string | undefined {
  if (!isObject(value) || typeof value.company !== 'string') return 'connectwise: expected { url or site, company }';
  for (const k of ['url', 'site'] as const)
    if (value[k] !== undefined && typeof value[k] !== 'string') return `connectwise.${k}: expected a string`;
  return undefined;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** What is wrong with a parsed snapshot file, in kinds and paths only (never a value), or nothing. */
function targetSnapshotProblem(data: unknown): string | undefined {
  if (!isObject(data)) return 'expected a JSON object';
  if (data.kind !== TARGET_SNAPSHOT_KIND) return `kind: expected "${TARGET_SNAPSHOT_KIND}"`;
  if (data.formatVersion !== 1) return 'formatVersion: expected 1';
  if (typeof data.capturedAt !== 'string' || !ISO.test(data.capturedAt) || Number.isNaN(Date.parse(data.capturedAt)))
    return 'capturedAt: expected a date-time';
  const unsafe = unsafeNumberAt(data, '$');
  if (unsafe) return `${unsafe}: a number JSON cannot carry exactly (beyond 2^53, or not finite)`;
  return (
    identityProblem(data.connectwise) ??
    listProblem(data.companies, COMPANY, 'companies') ??
    listProblem(data.agreements, AGREEMENT, 'agreements') ??
    catalogProblem(data.catalog) ??
    additionsProblem(data.additions)
  );
}

/** Refuses a snapshot that is unusable, for another ConnectWise, too old or from the future. */
function checkTargetSnapshot(
  data: unknown,
  display: string,
  expect: { settings: ConnectWiseSettings; maxAgeMs: number; now: Date },
): TargetSnapshot {
  const hint = 'pass the file cwsync snapshot wrote (the nightly saves it beside the usage snapshot)';
  const problem = targetSnapshotProblem(data);
  if (problem)
    throw new RefusedError(`--target-snapshot ${display} is not a usable ConnectWise snapshot`, {
      details: `  ${problem}`,
      hint,
    });
  const snapshot = data as TargetSnapshot;
  const want = identityOf(expect.settings);
  const got = snapshot.connectwise;
  if (got.url !== want.url || got.site !== want.site || got.company !== want.company)
    throw new RefusedError(
      `--target-snapshot ${display} was captured from another ConnectWise than connectwise in cwsync.yaml`,
      {
        hint: 'use the snapshot the nightly of this config repository saved',
      },
    );
  const age = expect.now.getTime() - Date.parse(snapshot.capturedAt);
  if (age < -5 * 60_000)
    throw new RefusedError(`--target-snapshot ${display} says it was captured in the future (${snapshot.capturedAt})`, {
      hint: 'check the clock of the machine that wrote it',
    });
  if (age > expect.maxAgeMs)
    throw new RefusedError(`--target-snapshot ${display} is older than --max-target-age`, {
      details: `  captured ${snapshot.capturedAt}`,
      hint: 'wait for (or start) the nightly, which saves a fresh one, or raise --max-target-age',
    });
  return snapshot;
}

const MAX_TARGET_SNAPSHOT_BYTES = 256 * 1024 * 1024;

/** `--target-snapshot FILE`: read (anywhere: it is named on the command line) and checked, or refused (exit 3). */
export function loadTargetSnapshot(
  path: string,
  settings: ConnectWiseSettings,
  maxAgeMs: number,
  now: Date,
): TargetSnapshot {
  let data: unknown;
  try {
    data = readJsonFile(resolve(path), { maxBytes: MAX_TARGET_SNAPSHOT_BYTES, display: `--target-snapshot ${path}` });
  } catch (err) {
    if (!(err instanceof CwsyncError)) throw err;
    throw new RefusedError(err.message, { hint: err.hint ?? 'pass the file cwsync snapshot wrote' });
  }
  return checkTargetSnapshot(data, path, { settings, maxAgeMs, now });
}
