import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The files that patch node:http through nock. nock takes over the request functions only for
// modules loaded after it, so these need a process of their own, in which nock loads before src/.
const NOCK = ['test/unit/comment.test.ts', 'test/unit/transport.test.ts', 'test/unit/transport-run-deadline.test.ts'];

export default defineConfig({
  test: {
    // No GITHUB_* variable of the machine running the suite reaches a test (or a CLI it spawns),
    // and a file leaves the environment and the working directory as it found them.
    setupFiles: ['test/setup-env.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One worker per core: the spawned CLIs that once made waiting the larger share are now few
    // (most commands run in process), so more workers than cores only adds contention.
    maxWorkers: availableParallelism(),
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: NOCK,
          // A worker runs file after file in one process and imports src/ once, not once per file
          // (about a third of the suite's CPU went to starting a fresh process per file). In-process
          // CLI runs (test/helpers/in-process.ts) restore the directory and environment they change.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'nock', include: NOCK, isolate: true } },
    ],
  },
});
