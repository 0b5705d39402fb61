/** Config directories for tests: one that points at running fake servers, or a small valid one to break. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { vi } from 'vitest';
import { describeError, type ExitCode } from '../../src/cli/run.js';
import { tempDir, writeFiles } from './temp.js';

export interface ConfigOptions {
  cwUrl: string;
  mpUrl?: string;
  usageFile?: string;
  services?: string;
  customers?: string;
  policy?: string;
}

export const TEST_ENV = {
  CW_PUBLIC_KEY: 'sandbox-public',
  CW_PRIVATE_KEY: 'sandbox-private',
  CW_CLIENT_ID: '00000000-0000-4000-8000-000000000001',
  MP_API_KEY: 'sandbox-mp-key',
};

export function writeConfig(dir: string, o: ConfigOptions): string {
  const usage = o.usageFile
    ? `  file: ${o.usageFile}\n`
    : `  mailprotector:\n    url: ${o.mpUrl}\n    apiKey: { env: MP_API_KEY }\n    reseller: 343\n    requestsPerSecond: 1000\n`;
  writeFiles(dir, {
    'cwsync.yaml': `connectwise:\n  url: ${o.cwUrl}\n  company: acme\n  publicKey: { env: CW_PUBLIC_KEY }\n  privateKey: { env: CW_PRIVATE_KEY }\n  clientId: { env: CW_CLIENT_ID }\nusage:\n${usage}${o.policy ?? ''}`,
    'services.yaml': o.services ?? 'services:\n  CloudFilter: MP-CLOUDFILTER\n  SafeSend: MP-SAFESEND\n',
    'customers.yaml': o.customers ?? 'customers: []\n',
  });
  return join(dir);
}

/** A small valid config (offline: validate needs no secret), for tests that break one thing. */
export const BASE_CONFIG = {
  'cwsync.yaml': `connectwise:
  site: api-na.myconnectwise.net
  company: acme
  publicKey: { env: CW_PUBLIC_KEY }
  privateKey: { env: CW_PRIVATE_KEY }
  clientId: { env: CW_CLIENT_ID }
usage:
  mailprotector:
    apiKey: { env: MP_API_KEY }
    reseller: 343
`,
  'services.yaml': `services:
  CloudFilter: MP-CF
  SafeSend: MP-SS
  Bracket: MP-BR
  XtraMail: null
bundles:
  - name: Bracket Bundle
    product: MP-BB
    services: [Bracket, CloudFilter, SafeSend]
`,
  'customers.yaml': `customers:
  - customer: Contoso Ltd
    company: CONTOSO
    agreement: Email Security
`,
};

/**
 * Writes BASE_CONFIG with some files replaced (null removes one) into `<tmp>/cfg`, and
 * returns that directory.
 */
export function configDir(files: Record<string, string | Buffer | null> = {}): string {
  const dir = join(tempDir(), 'cfg');
  const all: Record<string, string | Buffer | null> = { ...BASE_CONFIG, ...files };
  for (const [rel, content] of Object.entries(all)) {
    if (content === null) continue;
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

export interface Captured {
  code: ExitCode;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command function in this process as `run()` would (same error mapping, same exit
 * code), capturing what it writes to stdout and stderr. Much cheaper than spawning the binary.
 */
export async function inProcess(action: () => Promise<ExitCode>): Promise<Captured> {
  const captured = { stdout: '', stderr: '' };
  const capture = (stream: 'stdout' | 'stderr') =>
    vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
  const spies = [capture('stdout'), capture('stderr')];
  let code: ExitCode;
  try {
    code = await action();
  } catch (err) {
    const described = describeError(err);
    captured.stderr += `${described.text}\n`;
    code = described.code;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return { code, ...captured };
}
