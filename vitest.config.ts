import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No GITHUB_* variable of the machine running the suite reaches a test (or a CLI it spawns).
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // forks: each test file its own process, so in-process CLI runs (test/helpers/in-process.ts)
    // may change the working directory and environment of their own process only.
    pool: 'forks',
    // One worker per core: the spawned CLIs that once made waiting the larger share are now few
    // (most commands run in process), so more workers than cores only adds contention.
    maxWorkers: availableParallelism(),
  },
});
