import { knownAdapters, openUsageSource, sourceAdapterFor, targetAdapterFor } from '../../adapters/registry.js';
import type { Check } from '../../check.js';
import { loadValidConfig } from '../../config/load.js';
import type { Config } from '../../config/types.js';
import type { ShapeRow } from '../../http/shape.js';
import { createLogger, type Logger } from '../../log.js';
import { createProgress } from '../../progress.js';
import { renderServiceTotals, serviceTotals } from '../../render/usage.js';
import { resolveSecret, SecretError } from '../../secrets.js';
import { plural } from '../../words.js';
import type { ExitCode } from '../run.js';
import { checkPullRequestConnection } from '../trusted-connection.js';
import { usageChecks } from './doctor-usage.js';

/** `cwsync init` writes placeholders that validate; calling the real APIs with them only times out. */
function placeholderChecks(config: Config): Check[] {
  const left = [
    ...(config.connectwise?.company === 'yourcompany' ? ['connectwise.company (yourcompany)'] : []),
    ...(config.usage.mailprotector?.reseller === 1 ? ['usage.mailprotector.reseller (1)'] : []),
  ];
  return [...(left.length === 0 ? [] : placeholderFailure(left)), ...catalogPlaceholders(config)];
}

/** The Product IDs `cwsync init` writes into services.yaml (templates/init/config/services.yaml), marked CHANGE ME. */
const INIT_IDENTIFIERS = new Set(['MP-CLOUDFILTER', 'MP-SAFESEND', 'MP-BRACKET', 'MP-CLOUDMAIL']);

/** A mapping still holding init's placeholder may be a real catalog item by chance: a warning, not a failure. */
function catalogPlaceholders(config: Config): Check[] {
  const left = Object.entries(config.services).filter(([, id]) => id !== null && INIT_IDENTIFIERS.has(id));
  if (left.length === 0) return [];
  return [
    {
      name: "services.yaml maps your catalog's Product IDs, not init's placeholders",
      ok: true,
      warn: true,
      detail: `still init's CHANGE ME value: ${left.map(([service, id]) => `${service}: ${id}`).join(', ')}`,
      fix: 'write the Product ID of each catalog item you bill the service with (Procurement › Product Catalog), or null',
    },
  ];
}

function placeholderFailure(left: string[]): Check[] {
  return [
    {
      name: 'cwsync.yaml holds your values, not the placeholders of cwsync init',
      ok: false,
      detail: `still the placeholder: ${left.join(', ')}`,
      fix: 'replace every value marked CHANGE ME in cwsync.yaml (docs/setup.md says where each one is shown)',
    },
  ];
}

function secretChecks(config: Config): Check[] {
  // Each adapter names the references it resolves.
  const refs = [...targetAdapterFor(config).secrets(config), ...sourceAdapterFor(config).secrets(config)];
  return refs.map(([label, ref]) => {
    const name = `${label} (${'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`})`;
    try {
      resolveSecret(ref, config.dir, label);
      return { name, ok: true };
    } catch (err) {
      return {
        name,
        ok: false,
        detail: err instanceof SecretError ? err.reason.replace(/^is /, '') : 'cannot be read',
        fix: (err as { hint?: string }).hint,
      };
    }
  });
}

function printChecks(checks: Check[]): void {
  for (const c of checks) {
    const mark = !c.ok ? 'FAIL' : c.warn ? 'warn' : 'ok  ';
    process.stdout.write(`${mark}  ${c.name}${c.detail ? ` (${c.detail})` : ''}\n`);
    if ((!c.ok || c.warn) && c.fix) process.stdout.write(`      fix: ${c.fix}\n`);
  }
}

function printRows(title: string, rows: ShapeRow[]): void {
  const out = process.stdout;
  out.write(`\n${title}\n`);
  for (const r of rows) {
    out.write(`\n${r.endpoint}\n  shape    ${r.shape}\n`);
    if (r.headers.length > 0) out.write(`  headers  ${r.headers.join('; ')}\n`);
    for (const c of r.confirms) out.write(`  ok       ${c}\n`);
    for (const d of r.differs) out.write(`  DIFFERS  ${d}\n`);
  }
}

/** The shape rows of each API, then one line saying whether anything differs. Exit 1 when something does. */
function printShapes(apis: Array<[string, ShapeRow[]]>): ExitCode {
  for (const [title, rows] of apis) if (rows.length > 0) printRows(title, rows);
  const rows = apis.flatMap(([, r]) => r);
  const differing = rows.filter((r) => r.differs.length > 0);
  const count = differing.reduce((n, r) => n + r.differs.length, 0);
  process.stdout.write(
    differing.length === 0
      ? `\n${rows.length} endpoints read: every assumption confirmed\n`
      : `\n${plural(count, 'assumption')} ${count === 1 ? 'differs' : 'differ'} on ${differing.length} of ${plural(rows.length, 'endpoint')}: please report the lines marked DIFFERS (this output holds no values and no secrets)\n`,
  );
  return differing.length === 0 ? 0 : 1;
}

async function shapesCommand(config: Config, checks: Check[]): Promise<ExitCode> {
  printChecks(checks);
  if (!checks.every((c) => c.ok)) return 1;
  const context = { logger: createLogger() };
  const target = targetAdapterFor(config);
  const source = sourceAdapterFor(config);
  const targetRows = (await target.shapes?.(config, context)) ?? [];
  const sourceRows = (await source.shapes?.(config, context)) ?? [];
  return printShapes([
    [target.name, targetRows],
    [source.name, sourceRows],
  ]);
}

/** `doctor --services`: every service seen, with its users, and what services.yaml says of it. */
async function printServices(config: Config, logger: Logger): Promise<void> {
  const source = await openUsageSource(config, { logger });
  const progress = createProgress({ label: source.label });
  try {
    const snapshot = await source.read({ onProgress: (p) => progress.update(p) });
    progress.end();
    const rows = serviceTotals(snapshot, {
      services: config.services,
      bundles: config.bundles,
      catalogue: sourceAdapterFor(config).services,
    });
    process.stdout.write(`\nServices seen at ${source.label}:\n${renderServiceTotals(rows).join('\n')}\n`);
  } finally {
    progress.end();
    await source.close?.();
  }
}

export async function doctorCommand(opts: { config: string; shapes?: boolean; services?: boolean }): Promise<ExitCode> {
  const config = loadValidConfig(opts.config, knownAdapters);
  await checkPullRequestConnection(config);
  const logger = createLogger();
  const checks: Check[] = [
    { name: `config ${opts.config} is valid`, ok: true },
    ...placeholderChecks(config),
    ...secretChecks(config),
  ];
  if (opts.shapes) return shapesCommand(config, checks);
  if (checks.every((c) => c.ok)) {
    checks.push(...(await targetAdapterFor(config).doctor(config, { logger })));
    checks.push(...(await usageChecks(config, logger)));
  }
  printChecks(checks);
  const failed = checks.filter((c) => !c.ok).length;
  if (opts.services && !failed) await printServices(config, logger);
  const warned = checks.filter((c) => c.ok && c.warn).length;
  const warnings = warned ? `; ${plural(warned, 'warning')}: not proven, see above` : '';
  process.stdout.write(
    failed ? `\n${plural(failed, 'check')} failed${warnings}\n` : `\nall checks passed${warnings}\n`,
  );
  return failed ? 1 : 0;
}
