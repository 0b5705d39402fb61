/** import on the demo world, where every customer that has a company is bound already. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { importCommand } from '../../src/cli/commands/import.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { inProcess } from '../helpers/config.js';
import { type Scene, startScene } from '../helpers/scene.js';

let scene: Scene;
beforeEach(async () => {
  for (const [k, v] of Object.entries(DEMO_ENV)) vi.stubEnv(k, v);
  vi.stubEnv('CWSYNC_QUIET', '1');
  scene = await startScene();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await scene.close();
});

describe('cwsync import with nothing to bind', () => {
  it('writes no file (the config stays clean) and names the customers no company matched', async () => {
    const run = await inProcess(() => importCommand({ config: scene.configDir, maxUsageAge: '26h' }));
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'nothing written: 1 unbound customer matched no ConnectWise company: "Litware"\n' +
        'bind them by hand in customers.yaml, or create their companies in ConnectWise and run import again\n',
    );
    expect(existsSync(join(scene.configDir, 'customers'))).toBe(false);
  });
});
