/** Two copies of the demo at once on one machine, with the example's ports taken by a third. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PORTS } from '../../src/sandbox/demo-data.js';
import { ROOT } from '../helpers/cli.js';
import { type HeldPort, holdPort } from '../helpers/ports.js';

function demo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/demo.js'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let held: HeldPort;
beforeAll(async () => {
  held = await holdPort(DEMO_PORTS.connectwise);
});
afterAll(() => held.release());

describe('npm run demo, twice at once, with port 47801 taken', () => {
  it('both move to free ports, say which, and complete plan, apply and plan again', { timeout: 60_000 }, async () => {
    const runs = await Promise.all([demo(), demo()]);
    const origins = runs.map((r) => /fake ConnectWise \((http:\/\/127\.0\.0\.1:\d+)\)/.exec(r.stdout)?.[1]);
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        `Ports ${DEMO_PORTS.connectwise} and ${DEMO_PORTS.mailprotector} are taken (another demo or sandbox?)`,
      );
      expect(r.stdout).toContain('Applied 4, failed 0, skipped 0.');
      expect(r.stdout).toContain('No changes (0 to create, 0 to update, 0 to cancel, 9 unchanged, 0 conflicts)');
    }
    expect(origins[0]).toBeDefined();
    expect(origins[1]).toBeDefined();
    expect(origins[0]).not.toBe(origins[1]);
    expect(origins).not.toContain(`http://127.0.0.1:${DEMO_PORTS.connectwise}`);
  });
});
