/**
 * `cwsync validate` as a user runs it: every broken config gives exit 1 and the exact
 * file:line:col and message the user sees.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

const CWSYNC = `connectwise:
  site: api-na.myconnectwise.net
  company: acme
  publicKey: { env: CW_PUBLIC_KEY }
  privateKey: { env: CW_PRIVATE_KEY }
  clientId: { env: CW_CLIENT_ID }
usage:
  mailprotector:
    apiKey: { env: MP_API_KEY }
    reseller: 343
`;
const SERVICES = `services:
  CloudFilter: MP-CF
  SafeSend: MP-SS
  Bracket: MP-BR
  XtraMail: null
bundles:
  - name: Bracket Bundle
    product: MP-BB
    services: [Bracket, CloudFilter, SafeSend]
`;
const CUSTOMERS = `customers:
  - customer: Contoso Ltd
    company: CONTOSO
    agreement: Email Security
`;

async function validate(files: Record<string, string | null>) {
  const dir = tempDir();
  const all: Record<string, string | null> = {
    'cwsync.yaml': CWSYNC,
    'services.yaml': SERVICES,
    'customers.yaml': CUSTOMERS,
    ...files,
  };
  const present = Object.entries(all).filter((e): e is [string, string] => e[1] !== null);
  writeFiles(join(dir, 'cfg'), Object.fromEntries(present));
  return runCli(['validate', '--config', 'cfg'], {
    cwd: dir,
    env: { CW_PUBLIC_KEY: undefined, CW_PRIVATE_KEY: undefined },
  });
}

const cw = (from: string, to: string) => ({ 'cwsync.yaml': CWSYNC.replace(from, to) });
const sv = (from: string, to: string) => ({ 'services.yaml': SERVICES.replace(from, to) });
const cu = (text: string) => ({ 'customers.yaml': text });

const bomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
services: { CloudFilter: MP-CF }
`;

const CASES: Array<[string, Record<string, string | null>, string]> = [
  [
    'YAML syntax error',
    cw('company: acme', 'company: [acme'),
    'cfg/cwsync.yaml:4:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ],
  [
    'duplicate key',
    cw('  company: acme\n', '  company: acme\n  company: other\n'),
    'cfg/cwsync.yaml:4:3: duplicate key "company"',
  ],
  [
    'unknown top-level key',
    { 'cwsync.yaml': `${CWSYNC}polcy: {}\n` },
    'cfg/cwsync.yaml:11:1: unknown key "polcy" in the document. Did you mean "policy"?',
  ],
  [
    'unknown nested key',
    cw('company: acme', 'compnay: acme'),
    'cfg/cwsync.yaml:3:3: unknown key "compnay" in connectwise. Did you mean "company"?',
  ],
  [
    'missing required key',
    cw('  company: acme\n', ''),
    'cfg/cwsync.yaml:1:1: connectwise is missing the required key "company"',
  ],
  [
    'wrong type',
    cw('reseller: 343', 'reseller: "343"'),
    'cfg/cwsync.yaml:10:15: usage.mailprotector.reseller must be integer, not the text "343"',
  ],
  [
    'literal secret',
    cw('privateKey: { env: CW_PRIVATE_KEY }', 'privateKey: s3cr3t-literal-value'),
    'cfg/cwsync.yaml:5:15: connectwise.privateKey is a literal value; secrets must be references',
  ],
  [
    'secret ref with env and file',
    cw('clientId: { env: CW_CLIENT_ID }', 'clientId: { env: A, file: b }'),
    'cfg/cwsync.yaml:6:13: connectwise.clientId must have exactly one of "env" or "file"',
  ],
  [
    'secret env name invalid',
    cw('{ env: MP_API_KEY }', '{ env: "my key" }'),
    'cfg/cwsync.yaml:9:20: usage.mailprotector.apiKey.env must be an environment variable name (letters, digits, _)',
  ],
  [
    'both site and url',
    cw('  company: acme\n', '  company: acme\n  url: https://cw.example.com/v4_6_release/apis/3.0\n'),
    'cfg/cwsync.yaml:4:3: connectwise has both site and url',
  ],
  [
    'neither site nor url',
    cw('  site: api-na.myconnectwise.net\n', ''),
    'cfg/cwsync.yaml:1:1: connectwise needs site or url',
  ],
  [
    'http url that is not loopback',
    cw('  site: api-na.myconnectwise.net\n', '  url: http://cw.example.com/v4_6_release/apis/3.0\n'),
    'cfg/cwsync.yaml:2:8: connectwise.url uses http:// for "cw.example.com", which is not a loopback host',
  ],
  [
    'web host instead of API host',
    cw('site: api-na.myconnectwise.net', 'site: na.myconnectwise.net'),
    'cfg/cwsync.yaml:2:9: connectwise.site "na.myconnectwise.net" is the web host, not the API host',
  ],
  [
    'enum typo',
    { 'cwsync.yaml': `${CWSYNC}policy:\n  onZero: zeroo\n` },
    'cfg/cwsync.yaml:12:11: policy.onZero must be one of zero, cancel, keep, not the text "zeroo". Did you mean "zero"?',
  ],
  [
    'percent out of range',
    { 'cwsync.yaml': `${CWSYNC}policy:\n  safety:\n    maxChangePercent: 150\n` },
    'cfg/cwsync.yaml:13:23: policy.safety.maxChangePercent must be <= 100',
  ],
  [
    'two usage sources',
    { 'cwsync.yaml': `${CWSYNC}  file: usage.json\n` },
    'cfg/cwsync.yaml:11:3: usage has both mailprotector and file',
  ],
  [
    'unknown service with suggestion',
    sv('CloudFilter: MP-CF', 'CloudFiltr: MP-CF'),
    'cfg/services.yaml:2:3: unknown Mailprotector service "CloudFiltr". Did you mean "CloudFilter"?',
  ],
  [
    "API's long service name",
    sv('SafeSend: MP-SS', 'SafeSend Outbound: MP-SS'),
    `cfg/services.yaml:3:3: "SafeSend Outbound" is the API's long name; services.yaml uses the short name "SafeSend"`,
  ],
  [
    'deprecated service mapped',
    sv('XtraMail: null', 'Exchange+ Premium: MP-EXP'),
    'cfg/services.yaml:5:22: "Exchange+ Premium" is deprecated and must not be mapped',
  ],
  [
    'product mapped twice',
    sv('Bracket: MP-BR', 'Bracket: MP-CF'),
    'cfg/services.yaml:4:12: product "MP-CF" is already mapped to service CloudFilter',
  ],
  [
    'bundle with unknown service',
    sv('[Bracket, CloudFilter, SafeSend]', '[Bracket, CloudFilter, SafeSnd]'),
    'cfg/services.yaml:9:38: bundle "Bracket Bundle" names unknown service "SafeSnd". Did you mean "SafeSend"?',
  ],
  [
    'bundle with one service',
    sv('[Bracket, CloudFilter, SafeSend]', '[Bracket]'),
    'cfg/services.yaml:9:15: bundles[0].services must NOT have fewer than 2 items',
  ],
  [
    'customer bound twice',
    { 'customers/more.yaml': 'customers:\n  - customer: contoso ltd\n    company: C2\n    agreement: X\n' },
    'cfg/customers/more.yaml:2:15: customer "contoso ltd" is bound twice (first at cfg/customers.yaml:2)',
  ],
  [
    'override of an unmapped service',
    cu(`${CUSTOMERS}    overrides:\n      SafeSnd: { quantity: 3 }\n`),
    'cfg/customers.yaml:6:7: override "SafeSnd" is neither a mapped service nor a bundle. Did you mean "SafeSend"?',
  ],
  [
    'override of a Not Assigned service',
    cu(`${CUSTOMERS}    overrides:\n      XtraMail: { minimum: 3 }\n`),
    'cfg/customers.yaml:6:7: override "XtraMail" names a service that is Not Assigned (null) in services.yaml',
  ],
  [
    'override with two settings',
    cu(`${CUSTOMERS}    overrides:\n      SafeSend: { minimum: 3, quantity: 4 }\n`),
    'cfg/customers.yaml:6:17: override customers[0].overrides.SafeSend must set exactly one of quantity, minimum or skip',
  ],
  [
    'negative override',
    cu(`${CUSTOMERS}    overrides:\n      SafeSend: { quantity: -1 }\n`),
    'cfg/customers.yaml:6:29: customers[0].overrides.SafeSend.quantity must be >= 0',
  ],
  [
    'agreement object with a wrong key',
    cu(CUSTOMERS.replace('agreement: Email Security', 'agreement: { name: Email Security }')),
    'cfg/customers.yaml:4:18: unknown key "name" in customers[0].agreement',
  ],
  ['alias bomb', { 'services.yaml': bomb }, 'cfg/services.yaml:2:8: refused: aliases expand past the limit of 100'],
  ['custom tag', sv('MP-SS', '!!js/function "x"'), 'cfg/services.yaml:3:13: custom tag "!!js/function" is not allowed'],
  ['missing services.yaml', { 'services.yaml': null }, 'cfg/services.yaml:1:1: services.yaml is missing'],
  [
    'usage file with a bad entry',
    {
      'cwsync.yaml': CWSYNC.replace(/ {2}mailprotector:\n.*\n.*\n/, '  file: usage.json\n'),
      'usage.json':
        '{ "formatVersion": 1,\n  "customers": [ { "id": 1, "name": "A",\n    "userGroups": [ { "name": "Staff", "users": -3, "services": [] } ] } ] }\n',
    },
    'cfg/usage.json:3:49: customers[0].userGroups[0].users must be >= 0',
  ],
];

describe('cwsync validate rejects broken configs', () => {
  it('has at least 25 distinct cases', () => {
    expect(new Set(CASES.map((c) => c[0])).size).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('%s', async (_name, files, expected) => {
    const result = await validate(files);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toContain(expected);
  });

  it('never echoes a literal secret back', async () => {
    const result = await validate({
      'cwsync.yaml': CWSYNC.replace('privateKey: { env: CW_PRIVATE_KEY }', 'privateKey: s3cr3t-literal-value'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).not.toContain('s3cr3t');
    expect(result.stderr).toContain('fix: write { env: NAME } and set the variable');
  });

  it('reports every problem, not just the first', async () => {
    const result = await validate({
      'services.yaml': SERVICES.replace('CloudFilter: MP-CF', 'CloudFiltr: MP-CF').replace(
        'XtraMail: null',
        'Exchange+ Basic: MP-X',
      ),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cfg/services.yaml:2:3: unknown Mailprotector service "CloudFiltr"');
    expect(result.stderr).toContain('cfg/services.yaml:5:20: "Exchange+ Basic" is deprecated');
    expect(result.stderr).toMatch(/\n\d+ problems in the configuration\n$/);
  });

  it('refuses an oversized file', async () => {
    const big = `${CUSTOMERS}${'# padding line to exceed the limit of one mebibyte...........\n'.repeat(18_000)}`;
    const result = await validate({ 'customers.yaml': big });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cfg\/customers\.yaml:1:1: file is \d+ bytes; the limit is 1048576/);
  });

  it('accepts a valid config without any secret set and prints a summary', async () => {
    const result = await validate({});
    expect(result).toMatchObject({ code: 0, stdout: 'valid: 1 customer, 3 mappings (+1 Not Assigned), 1 bundle\n' });
  });
});
