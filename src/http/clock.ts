/**
 * Time as the HTTP layer sees it: `now` for pacing and Retry-After dates, `sleep` for every
 * wait. Injected, so tests run retries, backoff and throttling with no real waiting.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
