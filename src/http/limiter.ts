/** A concurrency cap and an optional request-rate cap, shared by every call of one client. */

export class Limiter {
  private active = 0;
  private waiting: Array<() => void> = [];
  private head = 0;
  private nextStart = 0;

  constructor(
    private readonly concurrency: number,
    private readonly requestsPerSecond?: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      await this.pace();
      return await fn();
    } finally {
      this.release();
    }
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

  /** Spaces request starts evenly, so a burst never exceeds the configured rate. */
  private async pace(): Promise<void> {
    if (!this.requestsPerSecond) return;
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + 1000 / this.requestsPerSecond;
    if (start > now) await sleep(start - now);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
