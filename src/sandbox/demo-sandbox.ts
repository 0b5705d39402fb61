/**
 * The sandbox as `npm run demo` and `cwsync sandbox` start it: on the ports config.example/
 * names when they are free, else on free ports the system picks (another demo, sandbox or
 * program may hold them), with a copy of config.example/ pointed there.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PORTS, demoWorld } from './demo-data.js';
import { type Sandbox, startSandbox } from './start.js';

export interface DemoSandbox {
  sandbox: Sandbox;
  /** True when the default ports were taken and the system picked others. */
  movedFromDefaults: boolean;
}

const errorCode = (err: unknown) => (err as { code?: unknown }).code;

/**
 * Explicit ports are used or refused; without them, the defaults are tried first and free
 * ports taken when either default is in use.
 */
export async function startDemoSandbox(ports?: { cw: number; mp: number }): Promise<DemoSandbox> {
  if (ports)
    return {
      sandbox: await startSandbox(demoWorld(), { cwPort: ports.cw, mpPort: ports.mp }),
      movedFromDefaults: false,
    };
  try {
    const sandbox = await startSandbox(demoWorld(), {
      cwPort: DEMO_PORTS.connectwise,
      mpPort: DEMO_PORTS.mailprotector,
    });
    return { sandbox, movedFromDefaults: false };
  } catch (err) {
    if (errorCode(err) !== 'EADDRINUSE') throw err;
  }
  return { sandbox: await startSandbox(demoWorld(), { cwPort: 0, mpPort: 0 }), movedFromDefaults: true };
}

/** The two urls as config.example/cwsync.yaml writes them. */
const EXAMPLE_URLS = {
  connectwise: `http://127.0.0.1:${DEMO_PORTS.connectwise}/v4_6_release/apis/3.0`,
  mailprotector: `http://127.0.0.1:${DEMO_PORTS.mailprotector}/api/v1`,
};

/** The example's commented-out polite pace, and what the sandbox copy reads at instead. */
const EXAMPLE_PACE = /^( *)# requestsPerSecond: 5\b.*$/m;
const SANDBOX_PACE = 1000;

/**
 * Copies the config directory `from` to `to` with its two sandbox urls pointed at `sandbox`, read
 * at the sandbox's pace.
 * Throws, naming the file, when the example no longer holds the urls it is expected to.
 */
export function copyExampleConfigFor(sandbox: Sandbox, from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const file = join(to, 'cwsync.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [url, replacement] of [
    [EXAMPLE_URLS.connectwise, sandbox.cw.apiBase],
    [EXAMPLE_URLS.mailprotector, sandbox.mp.apiBase],
  ] as const) {
    if (!text.includes(url))
      throw new Error(`${join(from, 'cwsync.yaml')} no longer contains "${url}"; keep the sandbox urls in it`);
    text = text.replaceAll(url, replacement);
  }
  // The copy reads the local fake as fast as it answers; the example itself keeps the polite
  // default commented out, so a real account copied from it is never read at the sandbox's pace.
  if (!EXAMPLE_PACE.test(text))
    throw new Error(
      `${join(from, 'cwsync.yaml')} no longer contains "# requestsPerSecond: 5"; keep the polite pace in it`,
    );
  text = text.replace(EXAMPLE_PACE, `$1requestsPerSecond: ${SANDBOX_PACE}  # the sandbox's pace, in this copy only`);
  writeFileSync(file, text);
}
