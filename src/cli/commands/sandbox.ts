import { CwsyncError } from '../../errors.js';
import { DEMO_ENV, DEMO_PORTS, demoWorld } from '../../sandbox/demo-data.js';
import { startSandbox } from '../../sandbox/start.js';
import type { ExitCode } from '../run.js';

export async function sandboxCommand(opts: { port?: string }): Promise<ExitCode> {
  const cwPort = opts.port === undefined ? DEMO_PORTS.connectwise : Number(opts.port);
  if (!Number.isInteger(cwPort) || cwPort < 0 || cwPort > 65534)
    throw new CwsyncError(`--port must be a port number, not "${opts.port}"`);
  const mpPort = cwPort === 0 ? 0 : cwPort + 1;
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox(demoWorld(), { cwPort, mpPort });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new CwsyncError(`cannot start the sandbox on ports ${cwPort} and ${mpPort}: ${code ?? String(err)}`, {
      hint:
        code === 'EADDRINUSE' ? 'another sandbox (or program) holds the port: stop it, or pass --port N' : undefined,
    });
  }
  const out = process.stdout;
  out.write(`cwsync sandbox: fake ConnectWise and Mailprotector with the demo data (these keys are sandbox-only)\n\n`);
  out.write(`  ConnectWise    ${sandbox.cw.apiBase}\n  Mailprotector  ${sandbox.mp.apiBase}\n\n`);
  out.write(`In another terminal:\n\n`);
  for (const [k, v] of Object.entries(DEMO_ENV)) out.write(`  export ${k}=${v}\n`);
  if (cwPort !== DEMO_PORTS.connectwise)
    out.write(
      `\n  (config.example points at ports ${DEMO_PORTS.connectwise}/${DEMO_PORTS.mailprotector}; edit the two urls to use these)\n`,
    );
  out.write(`\n  npx cwsync plan --config config.example\n\nPress Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sandbox.close();
  out.write('sandbox stopped\n');
  return 0;
}
