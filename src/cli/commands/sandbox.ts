import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CwsyncError } from '../../errors.js';
import { DEMO_ENV, DEMO_PORTS } from '../../sandbox/demo-data.js';
import { copyExampleConfigFor, type DemoSandbox, startDemoSandbox } from '../../sandbox/demo-sandbox.js';
import type { ExitCode } from '../run.js';

/** config.example/ beside this package's package.json: in a clone and in the installed package alike. */
const EXAMPLE = fileURLToPath(new URL('../../../config.example', import.meta.url));

/** A directory as typed on a command line from here: relative when below, single-quoted when it must be. */
function shellPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", `'\\''`)}'`;
}

/**
 * The config the banner suggests: config.example/ itself on its own ports, else a copy pointed at
 * the ports the sandbox took (written to a temporary directory, removed when the sandbox stops).
 */
function exampleFor({ sandbox }: DemoSandbox): { dir: string; copy?: string } {
  const own =
    sandbox.cw.origin.endsWith(`:${DEMO_PORTS.connectwise}`) &&
    sandbox.mp.origin.endsWith(`:${DEMO_PORTS.mailprotector}`);
  if (own) return { dir: EXAMPLE };
  const copy = mkdtempSync(join(tmpdir(), 'cwsync-sandbox-'));
  copyExampleConfigFor(sandbox, EXAMPLE, join(copy, 'config'));
  return { dir: join(copy, 'config'), copy };
}

function parsePorts(port: string | undefined): { cw: number; mp: number } | undefined {
  if (port === undefined) return undefined;
  const cw = Number(port);
  if (!/^\d+$/.test(port) || cw > 65534)
    throw new CwsyncError(`--port must be a port number from 0 to 65534, not "${port}"`);
  return { cw, mp: cw === 0 ? 0 : cw + 1 };
}

export async function sandboxCommand(opts: { port?: string }): Promise<ExitCode> {
  const ports = parsePorts(opts.port);
  // Listen for Ctrl-C before anything else, so a signal sent as soon as the servers are up (or
  // while they start) stops them cleanly instead of killing the process.
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let demo: DemoSandbox | undefined;
  let example: { dir: string; copy?: string } | undefined;
  try {
    try {
      demo = await startDemoSandbox(ports);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const where = ports ? `ports ${ports.cw} and ${ports.mp}` : '127.0.0.1';
      throw new CwsyncError(`cannot start the sandbox on ${where}: ${code ?? String(err)}`, {
        hint:
          code === 'EADDRINUSE' ? 'another sandbox (or program) holds the port: stop it, or pass --port 0' : undefined,
      });
    }
    example = exampleFor(demo);
    printReady(demo, example.dir);
    await stopped;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await demo?.sandbox.close();
    if (example?.copy) rmSync(example.copy, { recursive: true, force: true });
  }
  process.stdout.write('sandbox stopped\n');
  return 0;
}

function printReady({ sandbox, movedFromDefaults }: DemoSandbox, example: string): void {
  const out = process.stdout;
  out.write(`cwsync sandbox: fake ConnectWise and Mailprotector with the demo data (these keys are sandbox-only)\n\n`);
  out.write(`  ConnectWise    ${sandbox.cw.apiBase}\n  Mailprotector  ${sandbox.mp.apiBase}\n\n`);
  if (movedFromDefaults)
    out.write(
      `  (ports ${DEMO_PORTS.connectwise} and ${DEMO_PORTS.mailprotector} are taken, so the sandbox took free ones)\n\n`,
    );
  out.write(`In another terminal:\n\n`);
  for (const [k, v] of Object.entries(DEMO_ENV)) out.write(`  export ${k}=${v}\n`);
  out.write(`\n  npx cwsync plan --config ${shellPath(example)}\n`);
  if (example !== EXAMPLE)
    out.write(
      `\n  (config.example points at ports ${DEMO_PORTS.connectwise}/${DEMO_PORTS.mailprotector}: this is a copy pointed at these, removed when the sandbox stops)\n`,
    );
  out.write(`\nPress Ctrl-C to stop.\n`);
}
