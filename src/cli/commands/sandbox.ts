import { CwsyncError } from '../../errors.js';
import { DEMO_ENV, DEMO_PORTS } from '../../sandbox/demo-data.js';
import { type DemoSandbox, startDemoSandbox } from '../../sandbox/demo-sandbox.js';
import type { ExitCode } from '../run.js';

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
    printReady(demo);
    await stopped;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await demo?.sandbox.close();
  }
  process.stdout.write('sandbox stopped\n');
  return 0;
}

function printReady({ sandbox, movedFromDefaults }: DemoSandbox): void {
  const out = process.stdout;
  out.write(`cwsync sandbox: fake ConnectWise and Mailprotector with the demo data (these keys are sandbox-only)\n\n`);
  out.write(`  ConnectWise    ${sandbox.cw.apiBase}\n  Mailprotector  ${sandbox.mp.apiBase}\n\n`);
  if (movedFromDefaults)
    out.write(
      `  (ports ${DEMO_PORTS.connectwise} and ${DEMO_PORTS.mailprotector} are taken, so the sandbox took free ones)\n\n`,
    );
  out.write(`In another terminal:\n\n`);
  for (const [k, v] of Object.entries(DEMO_ENV)) out.write(`  export ${k}=${v}\n`);
  if (!sandbox.cw.origin.endsWith(`:${DEMO_PORTS.connectwise}`))
    out.write(
      `\n  (config.example points at ports ${DEMO_PORTS.connectwise}/${DEMO_PORTS.mailprotector}; edit the two urls to use these)\n`,
    );
  out.write(`\n  npx cwsync plan --config config.example\n\nPress Ctrl-C to stop.\n`);
}
