/** Writes a config directory that points at running fake servers. */
import { join } from 'node:path';
import { writeFiles } from './temp.js';

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
  CWSYNC_RETRY_BASE_MS: '5',
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
