/**
 * `npm run demo`: the whole job on the built-in sandbox, as a user would run it. Starts the
 * fake servers in this process, runs the real CLI for plan, apply and plan again against
 * config.example/, explains each step, stops everything, and exits 0 only if it all worked.
 * When another demo or sandbox holds the example's ports, it runs on free ones with a copy of
 * config.example/ pointed there, and says so.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configGitState } from './git/state.js';
import { DEMO_ENV, DEMO_PORTS } from './sandbox/demo-data.js';
import { copyExampleConfigFor, type DemoSandbox, startDemoSandbox } from './sandbox/demo-sandbox.js';

const cli = fileURLToPath(new URL('./cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../', import.meta.url));
const say = (s: string) => process.stdout.write(`${s}\n`);
const rule = (title: string) => say(`\n\u2500\u2500 ${title} ${'\u2500'.repeat(Math.max(4, 72 - title.length))}`);

// Ctrl-C reaches the running cwsync too (same process group); the demo then stops its servers
// and removes its files instead of dying with them.
let current: ChildProcess | undefined;
let interrupted = false;
const interrupt = (signal: NodeJS.Signals) => {
  interrupted = true;
  current?.kill(signal);
};

function cwsync(args: string[]): Promise<number> {
  say(`$ cwsync ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      stdio: 'inherit',
      // Off a terminal (CI, a test) the demo's output stays exactly the commands' results: no
      // progress lines, no notes on stderr.
      env: { ...process.env, ...DEMO_ENV, ...(process.stderr.isTTY ? {} : { CWSYNC_QUIET: '1' }) },
    });
    current = child;
    child.on('error', (err) => {
      say(`demo: cannot run cwsync: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code) => {
      current = undefined;
      resolve(interrupted ? 130 : (code ?? 1));
    });
  });
}

async function main(): Promise<number> {
  let demo: DemoSandbox;
  try {
    demo = await startDemoSandbox();
  } catch (err) {
    say(`demo: cannot start the sandbox on 127.0.0.1 (${(err as { code?: string }).code ?? String(err)})`);
    return 1;
  }
  const { sandbox } = demo;
  const work = mkdtempSync(join(tmpdir(), 'cwsync-demo-'));
  try {
    let config = 'config.example';
    say(
      `cwsync demo: fake ConnectWise (${sandbox.cw.origin}) and Mailprotector (${sandbox.mp.origin}) are running with demo data.`,
    );
    if (demo.movedFromDefaults) {
      config = join(work, 'config');
      copyExampleConfigFor(sandbox, join(root, 'config.example'), config);
      say(
        `Ports ${DEMO_PORTS.connectwise} and ${DEMO_PORTS.mailprotector} are taken (another demo or sandbox?), so the servers took free ones`,
      );
      say(`and the demo uses a copy of config.example/ pointed at them: ${config}`);
    }
    say('config.example/ binds 5 Mailprotector customers to ConnectWise agreements. Some quantities are');
    say('right, some have drifted, one addition is missing, one customer buys a bundle, one service is');
    say('in use but not mapped, and one customer is not bound at all.');

    rule('1. plan: what would change, and why');
    const plan = await cwsync(['plan', '--config', config, '--out', join(work, 'plan.json')]);
    if (plan !== 0) return plan;

    rule('2. apply: the same plan, written to ConnectWise (quantities only)');
    const git = await configGitState(resolvePath(root, config));
    const extra = git.dirty ? ['--allow-dirty'] : [];
    if (git.dirty)
      say(
        '(the config has uncommitted changes or is not in a git repository, so the demo passes --allow-dirty; the nightly job never does)',
      );
    const apply = await cwsync([
      'apply',
      '--config',
      config,
      '--plan',
      join(work, 'plan.json'),
      '--report',
      join(work, 'report.json'),
      ...extra,
    ]);
    if (apply !== 0) return apply;

    rule('3. plan again: ConnectWise now matches usage');
    const again = await cwsync(['plan', '--config', config, '--detailed-exitcode']);
    if (again !== 0) {
      if (!interrupted) say('demo: the second plan still has changes; that is a bug');
      return interrupted ? again : 1;
    }
    const cw = sandbox.cw.requests;
    rule('done');
    const n = (method: string) => cw.filter((r) => r.method === method).length;
    say(
      `ConnectWise saw ${cw.length} requests: ${n('GET')} GET, ${n('POST')} POST, ${n('PATCH')} PATCH, ${n('PUT')} PUT, ${n('DELETE')} DELETE. Mailprotector saw ${sandbox.mp.requests.length}.`,
    );
    say('Next: `npx cwsync sandbox` to keep the servers up and try commands yourself, or see the README to');
    say('point cwsync at your own ConnectWise and Mailprotector accounts.');
    return 0;
  } finally {
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}

process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);
process.exitCode = await main();
if (interrupted) say('\ndemo: interrupted; the servers are stopped and its files removed');
process.off('SIGINT', interrupt);
process.off('SIGTERM', interrupt);
