/** The progress reporter with an injected clock and stream: no real time, no real terminal. */
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatProgress, progressEnabled } from '../../src/progress.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (s: string) => writes.push(s) };
}

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('progress', () => {
  it('formats done of total, requests, rate and ETA', () => {
    expect(formatProgress('Mailprotector reseller 343', { done: 120, total: 300, requests: 1230 }, 30_000)).toBe(
      'Mailprotector reseller 343: 120/300 customers, 1230 requests, 41 req/s, ETA 0:45',
    );
    expect(formatProgress('MP', { done: 0, total: 300, requests: 3 }, 2_000)).toBe(
      'MP: 0/300 customers, 3 requests, 1.5 req/s, ETA ?',
    );
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(65_000)).toBe('1:05');
  });

  it('not on a terminal: a plain line every 10 s, and a closing line only after one was printed', () => {
    const out = stream(false);
    const c = clock();
    const p = createProgress({ label: 'MP', stream: out, now: c.now, enabled: true });
    for (let i = 1; i <= 25; i++) {
      c.advance(1_000);
      p.update({ done: i, total: 25, requests: i * 4 });
    }
    p.end();
    p.end();
    expect(out.writes).toEqual([
      'MP: 10/25 customers, 40 requests, 4.0 req/s, ETA 0:15\n',
      'MP: 20/25 customers, 80 requests, 4.0 req/s, ETA 0:05\n',
      'MP: 25/25 customers in 0:25, 100 requests\n',
    ]);

    const quick = stream(false);
    const q = createProgress({ label: 'MP', stream: quick, now: clock().now, enabled: true });
    q.update({ done: 1, total: 1, requests: 4 });
    q.end();
    expect(quick.writes).toEqual([]);
  });

  it('on a terminal: one live line redrawn in place at most every 200 ms, cleared at the end', () => {
    const out = stream(true);
    const c = clock();
    const p = createProgress({ label: 'MP', stream: out, now: c.now, enabled: true });
    p.update({ done: 0, total: 4, requests: 1 });
    c.advance(100);
    p.update({ done: 1, total: 4, requests: 2 });
    c.advance(150);
    p.update({ done: 2, total: 4, requests: 3 });
    p.end();
    expect(out.writes).toEqual([
      '\r\x1b[2KMP: 0/4 customers, 1 requests, 0.0 req/s, ETA ?',
      '\r\x1b[2KMP: 2/4 customers, 3 requests, 12 req/s, ETA 0:00',
      '\r\x1b[2K',
    ]);
    expect(out.writes.join('')).not.toContain('\n');
  });

  it('is off with --quiet or log level silent, and then writes nothing', () => {
    expect(progressEnabled({})).toBe(true);
    expect(progressEnabled({ CWSYNC_QUIET: '1' })).toBe(false);
    expect(progressEnabled({ CWSYNC_LOG_LEVEL: 'silent' })).toBe(false);
    expect(progressEnabled({ CWSYNC_LOG_LEVEL: 'info' })).toBe(true);
    const out = stream(true);
    const p = createProgress({ label: 'MP', stream: out, now: clock().now, enabled: false });
    p.update({ done: 1, total: 2, requests: 3 });
    p.end();
    expect(out.writes).toEqual([]);
  });
});
