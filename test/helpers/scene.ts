/**
 * An end-to-end scene: both fake servers, and a real temporary git repository holding a copy
 * of config.example/ pointed at them, committed. `run` runs a command in this process (the
 * same program, commands and exit codes as the binary, for a fraction of the cost); `runBinary`
 * spawns the real binary, for the few journeys that are about the binary itself.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_ENV, demoWorld } from '../../src/sandbox/demo-data.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import type { World } from '../../src/sandbox/world.js';
import { ROOT, runCli } from './cli.js';
import { runInProcess } from './in-process.js';
import { tempDir } from './temp.js';

const run = promisify(execFile);

export interface Scene {
  world: World;
  sandbox: Sandbox;
  repo: string;
  configDir: string;
  run(args: string[], env?: Record<string, string | undefined>): ReturnType<typeof runCli>;
  runBinary(args: string[], env?: Record<string, string | undefined>): ReturnType<typeof runCli>;
  edit(file: string, change: (text: string) => string, commit?: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startScene(
  options: { world?: World; edit?: (file: string, text: string) => string } = {},
): Promise<Scene> {
  const world = options.world ?? demoWorld();
  const sandbox = await startSandbox(world);
  const repo = tempDir('cwsync-repo-');
  const configDir = join(repo, 'config');
  // git itself, three processes a scene (simple-git took six, and about 230 ms more a scene).
  const git = (...args: string[]) => run('git', args, { cwd: repo });
  await git('init', '-q');
  appendFileSync(
    join(repo, '.git/config'),
    '[user]\n\temail = admin@msp.example\n\tname = MSP Admin\n[commit]\n\tgpgsign = false\n',
  );
  mkdirSync(configDir);
  for (const name of readdirSync(join(ROOT, 'config.example'))) {
    let text = readFileSync(join(ROOT, 'config.example', name), 'utf8')
      .replaceAll('http://127.0.0.1:47801', sandbox.cw.origin)
      .replaceAll('http://127.0.0.1:47802', sandbox.mp.origin);
    // Tests need not be polite to a fake: lift the default 5 requests/second.
    text = text.replace('# requestsPerSecond: 5', 'requestsPerSecond: 1000');
    if (options.edit) text = options.edit(name, text);
    writeFileSync(join(configDir, name), text);
  }
  await git('add', '.');
  await git('commit', '-qm', 'config');
  const scene: Scene = {
    world,
    sandbox,
    repo,
    configDir,
    run: (args, env = {}) =>
      runInProcess(args, { cwd: repo, env: { ...DEMO_ENV, GITHUB_STEP_SUMMARY: undefined, ...env } }),
    runBinary: (args, env = {}) =>
      runCli(args, { cwd: repo, env: { ...DEMO_ENV, GITHUB_STEP_SUMMARY: undefined, ...env } }),
    edit: async (file, change, commit = true) => {
      const path = join(configDir, file);
      writeFileSync(path, change(readFileSync(path, 'utf8')));
      if (!commit) return;
      await git('add', '.');
      // An edit that changed nothing commits nothing (as simple-git did), and is no error.
      await git('commit', '-qm', `edit ${file}`).catch((err: { stdout?: string }) => {
        if (!/nothing to commit/.test(err.stdout ?? '')) throw err;
      });
    },
    close: () => sandbox.close(),
  };
  return scene;
}

/** The demo world whose fake servers accept only these keys (tests that look for a key in what cwsync prints). */
export function demoWorldKeyed(keys: {
  CW_PUBLIC_KEY: string;
  CW_PRIVATE_KEY: string;
  CW_CLIENT_ID: string;
  MP_API_KEY: string;
}): World {
  const world = demoWorld();
  world.cw.publicKey = keys.CW_PUBLIC_KEY;
  world.cw.privateKey = keys.CW_PRIVATE_KEY;
  world.cw.clientIds = [keys.CW_CLIENT_ID];
  world.mp.apiKey = keys.MP_API_KEY;
  return world;
}

/** The writes the fake ConnectWise received. */
export function writes(scene: Scene) {
  return scene.sandbox.cw.requests.filter((r) => r.method !== 'GET');
}
