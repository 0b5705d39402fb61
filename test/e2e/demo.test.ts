/** The newcomer's first minute: `npm run demo`, and `cwsync sandbox` starting and stopping cleanly. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';

function run(
  args: string[],
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('plans with changes, applies them, then plans "No changes", exiting 0 with nothing left running', async () => {
    const result = await run(['dist/demo.js']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    const plan = out.indexOf('4 changes on 4 agreements');
    const applied = out.indexOf('Applied 4, failed 0, unknown 0, held 0, skipped 0');
    const none = out.indexOf('No changes (0 to create, 0 to update, 0 to cancel, 9 unchanged, 0 conflicts)');
    expect(plan).toBeGreaterThan(0);
    expect(applied).toBeGreaterThan(plan);
    expect(none).toBeGreaterThan(applied);
    expect(out).toMatch(/ConnectWise saw \d+ requests: \d+ GET, 1 POST, 3 PATCH, 0 PUT, 0 DELETE\./);
    // The ports are free again: a second run starts cleanly.
    expect((await run(['dist/demo.js'])).code).toBe(0);
  });
});

describe('cwsync sandbox', () => {
  it('prints its URLs and the variables to use, and stops cleanly on Ctrl-C', async () => {
    let signalled = false;
    const result = await run([CLI, 'sandbox', '--port', '0'], (text, child) => {
      if (!signalled && text.includes('Press Ctrl-C to stop.')) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /ConnectWise {4}http:\/\/127\.0\.0\.1:\d+\/v4_6_release\/apis\/3\.0\n {2}Mailprotector {2}http:\/\/127\.0\.0\.1:\d+\/api\/v1/,
    );
    expect(result.stdout).toContain('export CW_CLIENT_ID=00000000-0000-4000-8000-000000000001');
    expect(result.stdout.trimEnd().endsWith('sandbox stopped')).toBe(true);
  });
});
