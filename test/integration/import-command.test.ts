/** `cwsync import` as a user and the nightly run it, in process (the same program as the binary), against the sandbox and a fake GitHub. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { TEST_ENV, writeConfig } from '../helpers/config.js';
import { runInProcess } from '../helpers/in-process.js';
import { tempDir } from '../helpers/temp.js';
import { generateImportWorld } from '../support/import-world.js';
import { type FakeGitHub, startFakeGitHub } from './import-fake-github.js';

let sandbox: Sandbox;
let github: FakeGitHub;
let workspace: string;
let dir: string;
const noGitHub = { GITHUB_TOKEN: undefined, GITHUB_REPOSITORY: undefined, GITHUB_STEP_SUMMARY: undefined };

beforeAll(async () => {
  const generated = generateImportWorld({ customers: 40, seed: 3 });
  sandbox = await startSandbox(generated.world);
  github = await startFakeGitHub();
  workspace = tempDir('cwsync-ws-');
  dir = join(workspace, 'config');
  writeConfig(dir, { cwUrl: sandbox.cw.apiBase, mpUrl: sandbox.mp.apiBase, customers: generated.customersYaml });
});
afterAll(async () => {
  await Promise.all([sandbox.close(), github.close()]);
});

const secrets = [TEST_ENV.CW_PRIVATE_KEY, TEST_ENV.MP_API_KEY, 'ghs_fake'];

describe('cwsync import (the command)', () => {
  it('writes a new customers file that validates, and says what to do next', async () => {
    const r = await runInProcess(['import', '--config', dir], { env: { ...TEST_ENV, ...noGitHub } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^wrote .*customers\/imported-\d{4}-\d{2}-\d{2}\.yaml: \d+ accepted, \d+ to review \(commented out\), \d+ unmatched; \d+ customers already bound left out\n/,
    );
    expect(r.stdout).toContain('next: review it');
    const files = readdirSync(join(dir, 'customers'));
    expect(files).toHaveLength(1);
    const validate = await runInProcess(['validate', '--config', dir]);
    expect(validate.code).toBe(0);
  });

  it('refuses to overwrite a file given with --out (exit 3), naming it and the fix', async () => {
    // A file of its own, so the test holds in any order (not the one the first test wrote).
    const existing = join(tempDir('cwsync-out-'), 'kept.yaml');
    writeFileSync(existing, '# kept\n');
    const r = await runInProcess(['import', '--config', dir, '--out', existing], { env: { ...TEST_ENV, ...noGitHub } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('already exists; cwsync import never overwrites a file');
    expect(r.stderr).toContain('fix: choose another --out');
    expect(readFileSync(existing, 'utf8')).toBe('# kept\n');
  });

  it('--pull-request outside Actions says which variable is missing', async () => {
    const r = await runInProcess(['import', '--config', dir, '--pull-request'], { env: { ...TEST_ENV, ...noGitHub } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: GITHUB_TOKEN is not set');
    expect(r.stderr).toContain('fix: pass it to the step that runs cwsync import --pull-request');
  });

  it('--pull-request opens the pull request, then leaves it be, never printing a secret', async () => {
    const env = {
      ...TEST_ENV,
      GITHUB_TOKEN: github.repo.token,
      GITHUB_REPOSITORY: github.repo.fullName,
      GITHUB_API_URL: github.origin,
      GITHUB_WORKSPACE: workspace,
      CWSYNC_LOG_LEVEL: 'debug',
    };
    const opened = await runInProcess(['import', '--config', dir, '--pull-request'], { env });
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(
      /^opened pull request #1 https:\/\/github\.example\/msp\/config\/pull\/1 with bindings for \d+ new customers\n$/,
    );
    const again = await runInProcess(['import', '--config', dir, '--pull-request'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^pull request #1 .* is up to date/);
    for (const out of [opened.stdout, opened.stderr, again.stdout, again.stderr])
      for (const s of secrets) expect(out).not.toContain(s);
  });
});
