/**
 * A clock for the HTTP layer that never really waits: `sleep` queues a timer, and timers fire
 * one per macrotask in the order they are due, moving `now` forward to each. So retries,
 * backoff, Retry-After and pacing run at full speed, in the right order, and tests can read
 * how long the client would have waited.
 */
import type { Clock } from '../../src/http/clock.js';

export interface FakeClock extends Clock {
  /** Every wait asked for, in ms, in order. */
  slept: number[];
  /** Virtual ms elapsed since the clock was made. */
  elapsed(): number;
}

export function fakeClock(start = Date.parse('2026-11-26T02:00:00Z')): FakeClock {
  let now = start;
  const timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  const slept: number[] = [];
  let seq = 0;
  let scheduled = false;
  const tick = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.fire();
    if (timers.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(tick);
  };
  return {
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      return new Promise<void>((fire) => {
        timers.push({ at: now + Math.max(0, ms), seq: seq++, fire });
        schedule();
      });
    },
    slept,
    elapsed: () => now - start,
  };
}
