/**
 * A concurrency cap and a request-rate cap shared by every call of one client, and the rate
 * adapts: a 429 halves it (once per burst, not once per request in flight) and holds every
 * request until the server's Retry-After has passed; each success then raises it by 1 %, up
 * to the configured rate. So a server whose real limit is below the configured one settles
 * near its limit after a few 429s instead of failing after its retries.
 */
import { type Clock, realClock } from './clock.js';

/** Never slower than one request every five seconds. */
const MIN_RATE = 0.2;
/** A cut rate recovers by this factor per success: about 70 successes to double. */
const RECOVERY = 1.01;
/** With no configured rate, a recovered rate above this is lifted altogether. */
const UNCAPPED_ABOVE = 1000;
/** With no configured rate and nothing measured yet, a first 429 starts from this. */
const FALLBACK_RATE = 10;

/** A slot would start only after the run's deadline. */
export class PastDeadline extends Error {}

export class Limiter {
  private active = 0;
  private waiting: Array<() => void> = [];
  private head = 0;
  private nextStart = 0;
  private pausedUntil = 0;
  private lastCut = Number.NEGATIVE_INFINITY;
  private rate: number | undefined;
  private readonly starts: number[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly ceiling?: number,
    private readonly clock: Clock = realClock,
    /** Aborted when the client closes: no more waiting for a slot. */
    private readonly signal?: AbortSignal,
    /** No slot is waited for past this (ms by `clock`): PastDeadline instead. */
    private readonly deadlineAt?: number,
  ) {
    this.rate = ceiling;
  }

  /** The rate requests start at now, per second; undefined = not limited. */
  get currentRate(): number | undefined {
    return this.rate;
  }

  /** Runs `fn` within the caps; `fn` gets the time its request started, for `throttled`. */
  async run<T>(fn: (startedAt: number) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      const startedAt = await this.pace();
      return await fn(startedAt);
    } finally {
      this.release();
    }
  }

  /**
   * The server said 429 to a request started at `startedAt`. The rate is cut only if that
   * request started after the last cut: requests already in flight at the old rate do not
   * cut it again. Every request waits out `retryAfterMs`.
   */
  throttled(startedAt: number, retryAfterMs?: number): void {
    const now = this.clock.now();
    if (retryAfterMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    if (startedAt <= this.lastCut) return;
    const base = this.rate ?? this.measuredRate() ?? FALLBACK_RATE;
    this.rate = Math.max(MIN_RATE, base / 2);
    this.lastCut = now;
  }

  /** A request was served: a cut rate creeps back up. */
  succeeded(): void {
    if (this.rate === undefined) return;
    const next = this.rate * RECOVERY;
    if (this.ceiling !== undefined) this.rate = Math.min(this.ceiling, next);
    else this.rate = next > UNCAPPED_ABOVE ? undefined : next;
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    // An index instead of shift(): dequeuing stays O(1) however many callers wait.
    const next = this.waiting[this.head];
    if (!next) {
      this.active--;
      return;
    }
    this.waiting[this.head++] = undefined as unknown as () => void;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    next();
  }

  /** Spaces request starts evenly at the current rate, after any pause; returns the start time. */
  private async pace(): Promise<number> {
    for (;;) {
      const now = this.clock.now();
      const start = Math.max(now, this.pausedUntil, this.nextStart);
      if (this.deadlineAt !== undefined && start >= this.deadlineAt) throw new PastDeadline();
      // The slot is reserved before waiting, so concurrent callers never share one.
      this.nextStart = start + (this.rate ? 1000 / this.rate : 0);
      if (start > now) await this.clock.sleep(start - now, this.signal);
      const at = Math.max(start, this.clock.now());
      // A 429 during the wait paused everything: take a new slot after the pause.
      if (this.pausedUntil > at && !this.signal?.aborted) continue;
      this.record(at);
      return at;
    }
  }

  private record(at: number): void {
    this.starts.push(at);
    if (this.starts.length > 32) this.starts.shift();
  }

  /** Requests per second over the last starts, when they span some time. */
  private measuredRate(): number | undefined {
    const n = this.starts.length;
    if (n < 2) return undefined;
    const span = this.starts[n - 1]! - this.starts[0]!;
    return span > 0 ? ((n - 1) * 1000) / span : undefined;
  }
}
