/**
 * Progress of a long read, on stderr only (stdout carries the result): on a terminal one live
 * line redrawn in place; elsewhere (CI, a pipe) a plain line every ~10 s, and a closing line
 * only if a line was printed, so short runs stay silent. Off with `--quiet` (CWSYNC_QUIET=1)
 * or log level `silent`. Clock and stream are injected, so tests need no real time.
 */
import type { ReadProgress } from './usage/types.js';

interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** What is being read: "Mailprotector reseller 343". */
  label: string;
  /** What `done`/`total` count. Default "customers". */
  unit?: string;
  stream?: ProgressStream;
  now?: () => number;
  /** Between plain lines when not on a terminal. Default 10 s. */
  intervalMs?: number;
  /** Between redraws of the live line. Default 200 ms. */
  redrawMs?: number;
  /** Default: progressEnabled(). */
  enabled?: boolean;
}

export interface Progress {
  update(progress: ReadProgress): void;
  /** Clears the live line, or closes with a summary line if lines were printed; safe to call twice. */
  end(): void;
}

/** Set by the global `--quiet` option. */
const QUIET_ENV = 'CWSYNC_QUIET';

export function progressEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[QUIET_ENV] === '1') return false;
  return (env.CWSYNC_LOG_LEVEL ?? '').trim().toLowerCase() !== 'silent';
}

/** `1:05`, `1:02:03`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

/** `Mailprotector reseller 343: 120/300 customers, 1234 requests, 41 req/s, ETA 0:45`. */
export function formatProgress(label: string, p: ReadProgress, elapsedMs: number, unit = 'customers'): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? p.requests / seconds : 0;
  const rateText = rate >= 10 ? Math.round(rate).toString() : rate.toFixed(1);
  const eta = p.done > 0 && p.total >= p.done ? formatDuration(((p.total - p.done) * elapsedMs) / p.done) : '?';
  return `${label}: ${p.done}/${p.total} ${unit}, ${p.requests} requests, ${rateText} req/s, ETA ${eta}`;
}

const NOOP: Progress = { update() {}, end() {} };

export function createProgress(options: ProgressOptions): Progress {
  if (!(options.enabled ?? progressEnabled())) return NOOP;
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const unit = options.unit ?? 'customers';
  const interval = options.intervalMs ?? 10_000;
  const redraw = options.redrawMs ?? 200;
  const tty = stream.isTTY === true;
  const started = now();
  let last: ReadProgress | undefined;
  let lastWrite = tty ? Number.NEGATIVE_INFINITY : started;
  let wrote = false;
  let ended = false;
  return {
    update(p) {
      if (ended) return;
      last = p;
      const t = now();
      if (t - lastWrite < (tty ? redraw : interval)) return;
      lastWrite = t;
      wrote = true;
      const line = formatProgress(options.label, p, t - started, unit);
      stream.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    end() {
      if (ended) return;
      ended = true;
      if (!wrote) return;
      if (tty) stream.write('\r\x1b[2K');
      else if (last)
        stream.write(
          `${options.label}: ${last.done}/${last.total} ${unit} in ${formatDuration(now() - started)}, ${last.requests} requests\n`,
        );
    },
  };
}
