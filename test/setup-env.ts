/**
 * The suite runs in GitHub Actions too, where GITHUB_EVENT_NAME may be `pull_request`: cwsync
 * would then check every plan in every test against that pull request's base commit. Tests
 * that want GitHub's variables set their own; none inherits the runner's.
 *
 * Files share a worker process one after another (vitest.config.ts): whatever a file leaves in
 * the environment, the working directory, its stubbed globals and its spies is put back when it
 * ends, so no file sees another's.
 */
import { afterAll, vi } from 'vitest';

for (const name of Object.keys(process.env)) if (name.startsWith('GITHUB_')) delete process.env[name];

const env = { ...process.env };
const cwd = process.cwd();
afterAll(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  Object.assign(process.env, env);
  process.chdir(cwd);
});
