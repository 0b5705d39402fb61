import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No GITHUB_* variable of the machine running the suite reaches a test (or a CLI it spawns).
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is waiting (servers on loopback, spawned CLIs, git), not CPU: on a 2-core
    // machine the default (cores - 1 = one worker) would run the files one after another.
    maxWorkers: 4,
  },
});
