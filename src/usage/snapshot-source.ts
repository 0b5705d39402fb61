/**
 * `plan --usage-snapshot FILE`: usage from a snapshot saved by an earlier run (the nightly's),
 * refused when it does not say when it was captured or is older than the max age.
 */
import { resolve } from 'node:path';
import { RefusedError } from '../errors.js';
import { loadSnapshotAt } from './file-source.js';
import type { UsageSnapshot, UsageSource } from './types.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "26h", "90m", "2d", "3600s" -> milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/i.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : undefined;
}

function ageText(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${Math.round(h * 10) / 10} h` : `${Math.max(0, Math.round(ms / 60_000))} min`;
}

export class SnapshotUsageSource implements UsageSource {
  readonly label: string;
  constructor(
    private readonly path: string,
    private readonly maxAgeMs: number,
    private readonly now: () => Date,
  ) {
    this.label = `usage snapshot ${path}`;
  }

  async read(): Promise<UsageSnapshot> {
    // Named on the command line, so it may be anywhere (usage.file must stay in the config directory).
    const { snapshot, problems } = loadSnapshotAt(resolve(this.path), { display: this.path });
    if (!snapshot)
      throw new RefusedError(`--usage-snapshot ${this.path} is not a usable usage snapshot`, {
        details: problems.map((p) => `  ${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n'),
        hint: 'pass a file written by cwsync usage --format json (or the nightly), or plan without --usage-snapshot',
      });
    const captured = snapshot.capturedAt ? Date.parse(snapshot.capturedAt) : Number.NaN;
    if (Number.isNaN(captured))
      throw new RefusedError(`--usage-snapshot ${this.path} does not say when it was captured (capturedAt)`, {
        hint: 'plan without --usage-snapshot to read usage live',
      });
    const age = this.now().getTime() - captured;
    if (age < -5 * 60_000)
      throw new RefusedError(
        `--usage-snapshot ${this.path} says it was captured in the future (${snapshot.capturedAt})`,
        {
          hint: 'check the clock of the machine that wrote it, or plan without --usage-snapshot',
        },
      );
    if (age > this.maxAgeMs)
      throw new RefusedError(
        `--usage-snapshot ${this.path} is ${ageText(age)} old, older than the max age of ${ageText(this.maxAgeMs)}`,
        { hint: 'plan without --usage-snapshot to read usage live, or raise --max-usage-age' },
      );
    return snapshot;
  }
}
