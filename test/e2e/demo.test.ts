/** The newcomer's first minute: `npm run demo`, and `cwsync sandbox` starting and stopping cleanly. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PORTS } from '../../src/sandbox/demo-data.js';
import { CLI, ROOT } from '../helpers/cli.js';
import { type HeldPort, holdPort } from '../helpers/ports.js';

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

/** Sends SIGINT the first time stdout contains `text`. */
const interruptOn = (text: string) => {
  let signalled = false;
  return (stdout: string, child: ReturnType<typeof spawn>) => {
    if (signalled || !stdout.includes(text)) return;
    signalled = true;
    child.kill('SIGINT');
  };
};

let held: HeldPort | undefined;
afterEach(async () => {
  await held?.release();
  held = undefined;
});

describe('npm run demo', () => {
  // Two copies at once, as two developers (or two copies of this suite) may run it: at most one
  // gets the example's ports, and the other (or both, when a third program holds them) must
  // move to free ones, say so, and still do the whole job.
  it('plans with changes, applies them, then plans "No changes", twice at once, exiting 0 with nothing left running', {
    timeout: 60_000,
  }, async () => {
    const runs = await Promise.all([run(['dist/demo.js']), run(['dist/demo.js'])]);
    const moved = `Ports ${DEMO_PORTS.connectwise} and ${DEMO_PORTS.mailprotector} are taken (another demo or sandbox?)`;
    for (const result of runs) {
      expect(result.stderr).toBe('');
      // It exits by itself: a server left listening would keep it alive until the test timed out.
      expect(result.code).toBe(0);
      const out = result.stdout;
      const plan = out.indexOf('4 changes on 4 agreements');
      const applied = out.indexOf('Applied 4, failed 0, unknown 0, held 0, skipped 0');
      const none = out.indexOf('No changes (0 to create, 0 to update, 0 to cancel, 9 unchanged, 0 conflicts)');
      expect(plan).toBeGreaterThan(0);
      expect(applied).toBeGreaterThan(plan);
      expect(none).toBeGreaterThan(applied);
      expect(out).toMatch(/ConnectWise saw \d+ requests: \d+ GET, 1 POST, 3 PATCH, 0 PUT, 0 DELETE\./);
    }
    const origins = runs.map((r) => /fake ConnectWise \((http:\/\/127\.0\.0\.1:\d+)\)/.exec(r.stdout)?.[1]);
    expect(origins.every(Boolean)).toBe(true);
    expect(origins[0]).not.toBe(origins[1]);
    const movers = runs.filter((r) => r.stdout.includes(moved));
    expect(movers.length).toBeGreaterThanOrEqual(1);
    for (const r of movers) expect(r.stdout).not.toContain(`(http://127.0.0.1:${DEMO_PORTS.connectwise})`);
  });
});

describe('cwsync sandbox', () => {
  it('prints its URLs and the variables to use, and stops cleanly on Ctrl-C', async () => {
    const result = await run([CLI, 'sandbox', '--port', '0'], interruptOn('Press Ctrl-C to stop.'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /ConnectWise {4}http:\/\/127\.0\.0\.1:\d+\/v4_6_release\/apis\/3\.0\n {2}Mailprotector {2}http:\/\/127\.0\.0\.1:\d+\/api\/v1/,
    );
    expect(result.stdout).toContain('export CW_CLIENT_ID=00000000-0000-4000-8000-000000000001');
    expect(result.stdout.trimEnd().endsWith('sandbox stopped')).toBe(true);
    // On ports of its own, the config it suggests is a copy of config.example/ pointed there
    // (package.test.ts plans with it), gone once the sandbox stopped.
    const config = /npx cwsync plan --config (\S+)/.exec(result.stdout)?.[1];
    expect(config).toMatch(/cwsync-sandbox-\w+\/config$/);
    expect(existsSync(config!)).toBe(false);
  });

  it('stops cleanly on a Ctrl-C sent the moment it prints anything', async () => {
    const result = await run([CLI, 'sandbox', '--port', '0'], interruptOn('cwsync sandbox'));
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Press Ctrl-C to stop.');
    expect(result.stdout.trimEnd().endsWith('sandbox stopped')).toBe(true);
  });

  it('takes free ports when the default ones are taken, and says so', async () => {
    held = await holdPort(DEMO_PORTS.connectwise);
    const result = await run([CLI, 'sandbox'], interruptOn('Press Ctrl-C to stop.'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `(ports ${DEMO_PORTS.connectwise} and ${DEMO_PORTS.mailprotector} are taken, so the sandbox took free ones)`,
    );
    expect(result.stdout).toContain('config.example points at ports');
    expect(result.stdout).toContain('this is a copy pointed at these, removed when the sandbox stops');
    expect(result.stdout).not.toContain(`127.0.0.1:${DEMO_PORTS.connectwise}/`);
  });

  it('refuses a port given with --port that is taken, and says how to fix it', async () => {
    held = await holdPort(0);
    const result = await run([CLI, 'sandbox', '--port', String(held.port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: cannot start the sandbox on ports ${held.port} and ${held.port + 1}: EADDRINUSE`,
    );
    expect(result.stderr).toContain('fix: another sandbox (or program) holds the port: stop it, or pass --port 0');
  });
});
