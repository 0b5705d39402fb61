/**
 * `npm run demo`: the whole job on the built-in sandbox, as a user would run it. Starts the
 * fake servers in this process, runs the real CLI for plan, apply and plan again against
 * config.example/, explains each step, stops everything, and exits 0 only if it all worked.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configGitState } from './git/state.js';
import { DEMO_ENV, DEMO_PORTS, demoWorld } from './sandbox/demo-data.js';
import { startSandbox } from './sandbox/start.js';

const cli = fileURLToPath(new URL('./cli/main.js', import.meta.url));
const root = fileURLToPath(new URL('../', import.meta.url));
const say = (s: string) => process.stdout.write(`${s}\n`);
const rule = (title: string) => say(`\n\u2500\u2500 ${title} ${'\u2500'.repeat(Math.max(4, 72 - title.length))}`);

function cwsync(args: string[]): Promise<number> {
  say(`$ cwsync ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...DEMO_ENV },
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox(demoWorld(), { cwPort: DEMO_PORTS.connectwise, mpPort: DEMO_PORTS.mailprotector });
  } catch (err) {
    say(
      `demo: cannot start the sandbox on ports ${DEMO_PORTS.connectwise}/${DEMO_PORTS.mailprotector} (${(err as { code?: string }).code ?? String(err)}); is another sandbox running?`,
    );
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'cwsync-demo-'));
  try {
    say('cwsync demo: fake ConnectWise and Mailprotector servers are running on 127.0.0.1 with demo data.');
    say('config.example/ binds 5 Mailprotector customers to ConnectWise agreements. Some quantities are');
    say('right, some have drifted, one addition is missing, one customer buys a bundle, one service is');
    say('in use but not mapped, and one customer is not bound at all.');

    rule('1. plan: what would change, and why');
    const plan = await cwsync(['plan', '--config', 'config.example', '--out', join(work, 'plan.json')]);
    if (plan !== 0) return plan;

    rule('2. apply: the same plan, written to ConnectWise (quantities only)');
    const git = await configGitState(join(root, 'config.example'));
    const extra = git.dirty ? ['--allow-dirty'] : [];
    if (git.dirty)
      say(
        '(config.example has uncommitted changes or no git repository here, so the demo passes --allow-dirty; the nightly job never does)',
      );
    const apply = await cwsync([
      'apply',
      '--config',
      'config.example',
      '--plan',
      join(work, 'plan.json'),
      '--report',
      join(work, 'report.json'),
      ...extra,
    ]);
    if (apply !== 0) return apply;

    rule('3. plan again: ConnectWise now matches usage');
    const again = await cwsync(['plan', '--config', 'config.example', '--detailed-exitcode']);
    if (again !== 0) {
      say('demo: the second plan still has changes; that is a bug');
      return 1;
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

process.exitCode = await main();
