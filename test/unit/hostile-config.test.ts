/**
 * Hostile and broken configs, in process through the command functions (validate, usage,
 * doctor) as a user would meet them: each with its exit code and the exact line the user sees
 * (file:line:col where there is one). None may crash ("internal error"), hang (the timeout
 * here is low, and a named pipe read would block for ever), or print a secret or the content
 * of a file that is not config.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { knownAdapters } from '../../src/adapters/registry.js';
import { actor } from '../../src/cli/commands/apply.js';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { usageCommand } from '../../src/cli/commands/usage.js';
import { validateCommand } from '../../src/cli/commands/validate.js';
import type { ExitCode } from '../../src/cli/run.js';
import { loadConfig } from '../../src/config/load.js';
import { BASE_CONFIG, configDir, inProcess } from '../helpers/config.js';

vi.setConfig({ testTimeout: 5_000 });

const { 'cwsync.yaml': CWSYNC, 'services.yaml': SERVICES, 'customers.yaml': CUSTOMERS } = BASE_CONFIG;

/** Text that stands for a secret or a private file's content: it must never be printed. */
const LEAK = 'LEAKME-7c1f9a';

type Files = Record<string, string | Buffer | null>;

interface Row {
  name: string;
  files?: Files;
  /** More arrangement: pipes, sockets, links, devices, huge files. */
  setup?: (dir: string) => void | Promise<void>;
  env?: Record<string, string | undefined>;
  /** Which command runs; validate unless said. */
  run?: (dir: string) => Promise<ExitCode>;
  code: ExitCode;
  /** A whole line of the output (paths shown as cfg/...), or a pattern. */
  line: string | RegExp;
}

const cw = (from: string, to: string): Files => ({ 'cwsync.yaml': CWSYNC.replace(from, to) });
const sv = (from: string, to: string): Files => ({ 'services.yaml': SERVICES.replace(from, to) });
const cu = (text: string): Files => ({ 'customers.yaml': text });
const withUsageFile = (file: string, extra: Files = {}): Files => ({
  'cwsync.yaml': CWSYNC.replace(/ {2}mailprotector:\n.*\n.*\n/, `  file: ${file}\n`),
  ...extra,
});
/** cwsync.yaml reading Mailprotector on a port nothing listens on: commands must fail before any call. */
const offline = (edit: (text: string) => string = (t) => t): Files => ({
  'cwsync.yaml': edit(CWSYNC.replace('reseller: 343', 'reseller: 343\n    url: http://127.0.0.1:9/api/v1')),
});
const secretFile = (field: string, path: string): Files =>
  offline((t) => t.replace(`${field}: { env: ${envOf[field]} }`, `${field}: { file: ${path} }`));
const envOf: Record<string, string> = {
  publicKey: 'CW_PUBLIC_KEY',
  privateKey: 'CW_PRIVATE_KEY',
  clientId: 'CW_CLIENT_ID',
  apiKey: 'MP_API_KEY',
};

const usageCmd = (dir: string) => usageCommand({ config: dir, format: 'json' });
/** Who a forced apply records as its actor (apply's report, the job summary), from the environment. */
const actorLine = async () => {
  process.stdout.write(`actor: ${actor()}\n`);
  return 0 as const;
};
const doctorCmd = (dir: string) => doctorCommand({ config: dir });

const GOOD_ENV = {
  CW_PUBLIC_KEY: 'pub',
  CW_PRIVATE_KEY: 'priv',
  CW_CLIENT_ID: 'client',
  MP_API_KEY: 'mp',
};

const mkfifo = (path: string) => {
  mkdirSync(dirname(path), { recursive: true });
  execFileSync('mkfifo', [path]);
};
const link = (target: string, path: string) => {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true, recursive: true });
  symlinkSync(target, path);
};
const asDir = (path: string) => {
  rmSync(path, { force: true });
  mkdirSync(path, { recursive: true });
};
const servers: Server[] = [];
const socketAt = (path: string) =>
  new Promise<void>((resolve) => {
    mkdirSync(dirname(path), { recursive: true });
    const server = createServer();
    servers.push(server);
    server.listen(path, resolve);
  });
afterAll(() => {
  for (const s of servers) s.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A private file beside the config directory, as a runner's secret would be. */
const privateBeside = (dir: string, name = 'private.txt') => {
  const path = join(dirname(dir), name);
  writeFileSync(path, `services:\n  CloudFilter: ${LEAK}\n  [broken ${LEAK}\n`);
  return path;
};

const bomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
services: { CloudFilter: MP-CF }
`;

const BROKEN: Row[] = [
  {
    name: 'YAML syntax error',
    files: cw('company: acme', 'company: [acme'),
    code: 1,
    line: 'cfg/cwsync.yaml:4:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
  },
  {
    name: 'duplicate key',
    files: cw('  company: acme\n', '  company: acme\n  company: other\n'),
    code: 1,
    line: 'cfg/cwsync.yaml:4:3: duplicate key "company"',
  },
  {
    name: 'unknown top-level key',
    files: { 'cwsync.yaml': `${CWSYNC}polcy: {}\n` },
    code: 1,
    line: 'cfg/cwsync.yaml:11:1: unknown key "polcy" in the document. Did you mean "policy"?',
  },
  {
    name: 'unknown nested key',
    files: cw('company: acme', 'compnay: acme'),
    code: 1,
    line: 'cfg/cwsync.yaml:3:3: unknown key "compnay" in connectwise. Did you mean "company"?',
  },
  {
    name: 'missing required key',
    files: cw('  company: acme\n', ''),
    code: 1,
    line: 'cfg/cwsync.yaml:1:1: connectwise is missing the required key "company"',
  },
  {
    name: 'wrong type',
    files: cw('reseller: 343', 'reseller: "343"'),
    code: 1,
    line: 'cfg/cwsync.yaml:10:15: usage.mailprotector.reseller must be integer, not the text "343"',
  },
  {
    name: 'secret ref with env and file',
    files: cw('clientId: { env: CW_CLIENT_ID }', 'clientId: { env: A, file: b }'),
    code: 1,
    line: 'cfg/cwsync.yaml:6:13: connectwise.clientId must have exactly one of "env" or "file"',
  },
  {
    name: 'secret env name invalid',
    files: cw('{ env: MP_API_KEY }', '{ env: "my key" }'),
    code: 1,
    line: 'cfg/cwsync.yaml:9:20: usage.mailprotector.apiKey.env must be an environment variable name (letters, digits, _)',
  },
  {
    name: 'both site and url',
    files: cw('  company: acme\n', '  company: acme\n  url: https://cw.example.com/v4_6_release/apis/3.0\n'),
    code: 1,
    line: 'cfg/cwsync.yaml:4:3: connectwise has both site and url',
  },
  {
    name: 'neither site nor url',
    files: cw('  site: api-na.myconnectwise.net\n', ''),
    code: 1,
    line: 'cfg/cwsync.yaml:1:1: connectwise needs site or url',
  },
  {
    name: 'http url that is not loopback',
    files: cw('  site: api-na.myconnectwise.net\n', '  url: http://cw.example.com/v4_6_release/apis/3.0\n'),
    code: 1,
    line: 'cfg/cwsync.yaml:2:8: connectwise.url uses http:// for "cw.example.com", which is not a loopback host',
  },
  {
    name: 'web host instead of API host',
    files: cw('site: api-na.myconnectwise.net', 'site: na.myconnectwise.net'),
    code: 1,
    line: 'cfg/cwsync.yaml:2:9: connectwise.site "na.myconnectwise.net" is the web host, not the API host',
  },
  {
    name: 'enum typo',
    files: { 'cwsync.yaml': `${CWSYNC}policy:\n  onZero: zeroo\n` },
    code: 1,
    line: 'cfg/cwsync.yaml:12:11: policy.onZero must be one of zero, cancel, keep, not the text "zeroo". Did you mean "zero"?',
  },
  {
    name: 'percent out of range',
    files: { 'cwsync.yaml': `${CWSYNC}policy:\n  safety:\n    maxChangePercent: 150\n` },
    code: 1,
    line: 'cfg/cwsync.yaml:13:23: policy.safety.maxChangePercent must be <= 100',
  },
  {
    name: 'two usage sources',
    files: { 'cwsync.yaml': `${CWSYNC}  file: usage.json\n` },
    code: 1,
    line: 'cfg/cwsync.yaml:11:3: usage has both mailprotector and file',
  },
  {
    name: 'unknown service with suggestion',
    files: sv('CloudFilter: MP-CF', 'CloudFiltr: MP-CF'),
    code: 1,
    line: 'cfg/services.yaml:2:3: unknown Mailprotector service "CloudFiltr". Did you mean "CloudFilter"?',
  },
  {
    name: "API's long service name",
    files: sv('SafeSend: MP-SS', 'SafeSend Outbound: MP-SS'),
    code: 1,
    line: `cfg/services.yaml:3:3: "SafeSend Outbound" is the API's long name; services.yaml uses the short name "SafeSend"`,
  },
  {
    name: 'deprecated service mapped',
    files: sv('XtraMail: null', 'Exchange+ Premium: MP-EXP'),
    code: 1,
    line: 'cfg/services.yaml:5:22: "Exchange+ Premium" is deprecated and must not be mapped',
  },
  {
    name: 'product mapped twice',
    files: sv('Bracket: MP-BR', 'Bracket: MP-CF'),
    code: 1,
    line: 'cfg/services.yaml:4:12: product "MP-CF" is already mapped to service CloudFilter',
  },
  {
    name: 'bundle with unknown service',
    files: sv('[Bracket, CloudFilter, SafeSend]', '[Bracket, CloudFilter, SafeSnd]'),
    code: 1,
    line: 'cfg/services.yaml:9:38: bundle "Bracket Bundle" names unknown service "SafeSnd". Did you mean "SafeSend"?',
  },
  {
    name: 'bundle with one service',
    files: sv('[Bracket, CloudFilter, SafeSend]', '[Bracket]'),
    code: 1,
    line: 'cfg/services.yaml:9:15: bundles[0].services must NOT have fewer than 2 items',
  },
  {
    name: 'customer bound twice by name, in two files, ignoring case',
    files: { 'customers/more.yaml': 'customers:\n  - customer: contoso ltd\n    company: C2\n    agreement: X\n' },
    code: 1,
    line: 'cfg/customers/more.yaml:2:15: customer "contoso ltd" is bound twice (first at cfg/customers.yaml:2)',
  },
  {
    name: 'customer bound twice by id',
    files: cu(
      'customers:\n  - customer: 7114\n    company: A\n    agreement: X\n  - customer: 7114\n    company: B\n    agreement: Y\n',
    ),
    code: 1,
    line: 'cfg/customers.yaml:5:15: customer id 7114 is bound twice (first at cfg/customers.yaml:2)',
  },
  {
    name: 'override of an unmapped service',
    files: cu(`${CUSTOMERS}    overrides:\n      SafeSnd: { quantity: 3 }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:7: override "SafeSnd" is neither a mapped service nor a bundle. Did you mean "SafeSend"?',
  },
  {
    name: 'override of a Not Assigned service',
    files: cu(`${CUSTOMERS}    overrides:\n      XtraMail: { minimum: 3 }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:7: override "XtraMail" names a service that is Not Assigned (null) in services.yaml',
  },
  {
    name: 'override with two settings',
    files: cu(`${CUSTOMERS}    overrides:\n      SafeSend: { minimum: 3, quantity: 4 }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:17: override customers[0].overrides.SafeSend must set exactly one of quantity, minimum or skip',
  },
  {
    name: 'negative override',
    files: cu(`${CUSTOMERS}    overrides:\n      SafeSend: { quantity: -1 }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:29: customers[0].overrides.SafeSend.quantity must be >= 0',
  },
  {
    name: 'agreement object with a wrong key',
    files: cu(CUSTOMERS.replace('agreement: Email Security', 'agreement: { name: Email Security }')),
    code: 1,
    line: 'cfg/customers.yaml:4:18: unknown key "name" in customers[0].agreement',
  },
  {
    name: 'custom tag',
    files: sv('MP-SS', '!!js/function "x"'),
    code: 1,
    line: 'cfg/services.yaml:3:13: custom tag "!!js/function" is not allowed',
  },
  {
    name: 'missing services.yaml',
    files: { 'services.yaml': null },
    code: 1,
    line: 'cfg/services.yaml:1:1: services.yaml is missing',
  },
  {
    name: 'usage file with a bad entry',
    files: withUsageFile('usage.json', {
      'usage.json':
        '{ "formatVersion": 1,\n  "customers": [ { "id": 1, "name": "A",\n    "userGroups": [ { "name": "Staff", "users": -3, "services": [] } ] } ] }\n',
    }),
    code: 1,
    line: 'cfg/usage.json:3:49: customers[0].userGroups[0].users must be >= 0',
  },
  {
    name: 'empty cwsync.yaml',
    files: { 'cwsync.yaml': '' },
    code: 1,
    line: 'cfg/cwsync.yaml:1:1: the document must be object, not null',
  },
  {
    name: 'two YAML documents in one file',
    files: { 'services.yaml': `${SERVICES}---\nservices: {}\n` },
    code: 1,
    line: 'cfg/services.yaml:10:1: YAML syntax error: the file holds more than one document (a second "---")',
  },
];

const YAML_BOMBS: Row[] = [
  {
    name: 'alias bomb',
    files: { 'services.yaml': bomb },
    code: 1,
    line: 'cfg/services.yaml:2:8: refused: aliases expand past the limit of 100',
  },
  {
    name: 'alias to an anchor never defined',
    files: sv('SafeSend: MP-SS', 'SafeSend: *nowhere'),
    code: 1,
    line: 'cfg/services.yaml:3:13: an alias refers to an anchor that is not defined before it',
  },
  {
    name: 'nesting 20,000 levels deep (overflows the parser, then V8 can abort)',
    files: { 'customers/deep.yaml': `customers: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n` },
    code: 1,
    line: 'cfg/customers/deep.yaml:1:75: nested deeper than 64 levels',
  },
  {
    name: 'block nesting 5,000 levels deep',
    files: { 'customers/deep.yaml': `customers:\n${'- '.repeat(5_000)}x\n` },
    code: 1,
    line: 'cfg/customers/deep.yaml:2:127: nested deeper than 64 levels',
  },
  {
    name: 'a file over the size limit',
    files: cu(`${CUSTOMERS}${'# padding line to exceed the limit of one mebibyte...........\n'.repeat(18_000)}`),
    code: 1,
    line: 'cfg/customers.yaml:1:1: file is 1116088 bytes; the limit is 1048576',
  },
  {
    name: 'a sparse 4 GiB customers file (refused without reading it)',
    setup: (dir) => truncateSync(join(dir, 'customers.yaml'), 4 * 1024 ** 3),
    code: 1,
    line: 'cfg/customers.yaml:1:1: file is 4294967296 bytes; the limit is 1048576',
  },
  {
    name: 'NUL byte in cwsync.yaml',
    files: cw('company: acme', 'company: ac\0me'),
    code: 1,
    line: 'cfg/cwsync.yaml:3:14: file holds a NUL byte: this is not a text file',
  },
  {
    name: 'invalid UTF-8 in services.yaml',
    files: {
      'services.yaml': Buffer.concat([Buffer.from('services:\n  CloudFilter: MP-C'), Buffer.from([0xc3, 0x28])]),
    },
    code: 1,
    line: 'cfg/services.yaml:2:20: file holds a byte that is not UTF-8 text',
  },
  {
    name: 'customers.yaml saved as UTF-16',
    files: { 'customers.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CUSTOMERS, 'utf16le')]) },
    code: 1,
    line: 'cfg/customers.yaml:1:1: file is UTF-16 text, not UTF-8',
  },
  {
    name: 'a usage file whose syntax error would quote it',
    // In a config file the parser's message would read: Unexpected scalar token in YAML stream: "LEAKME..."
    files: withUsageFile('usage.json', { 'usage.json': `{ "formatVersion": 1, "customers": [] }\n: ${LEAK}\n` }),
    code: 1,
    line: 'cfg/usage.json:2:3: YAML syntax error: unexpected token',
  },
  {
    name: 'a usage file whose wrong value would be quoted',
    files: withUsageFile('usage.json', {
      'usage.json': `{"formatVersion":1,"customers":[{"id":1,"name":"A","userGroups":[{"name":"S","users":"${LEAK}","services":[]}]}]}`,
    }),
    code: 1,
    line: 'cfg/usage.json:1:86: customers[0].userGroups[0].users must be integer, not a text',
  },
  {
    name: 'NUL byte in the usage file',
    files: withUsageFile('usage.json', { 'usage.json': `{ "formatVersion": 1,\n  "customers": [\0] }\n` }),
    code: 1,
    line: 'cfg/usage.json:2:17: file holds a NUL byte: this is not a text file',
  },
];

const NOT_FILES: Row[] = [
  {
    name: 'bindings in a subdirectory of customers/ are not silently skipped',
    files: { 'customers/eu/acme.yaml': CUSTOMERS.replace('Contoso Ltd', 'Acme') },
    code: 1,
    line: 'cfg/customers/eu:1:1: is a directory inside customers/, which cwsync does not read',
  },
  {
    name: 'cwsync.yaml is a directory',
    setup: (dir) => asDir(join(dir, 'cwsync.yaml')),
    code: 1,
    line: 'cfg/cwsync.yaml:1:1: is a directory, not a file',
  },
  {
    name: 'services.yaml is a directory',
    setup: (dir) => asDir(join(dir, 'services.yaml')),
    code: 1,
    line: 'cfg/services.yaml:1:1: is a directory, not a file',
  },
  {
    name: 'customers.yaml is a directory',
    setup: (dir) => asDir(join(dir, 'customers.yaml')),
    code: 1,
    line: 'cfg/customers.yaml:1:1: is a directory, not a file',
  },
  {
    name: 'customers is a file, not a directory',
    files: { 'customers.yaml': null, customers: CUSTOMERS },
    code: 1,
    line: 'cfg/customers:1:1: customers is not a directory',
  },
  {
    name: 'the config directory is a file',
    setup: (dir) => {
      rmSync(dir, { recursive: true });
      writeFileSync(dir, CWSYNC);
    },
    code: 1,
    line: 'cfg:1:1: the config directory is a file, not a directory',
  },
  {
    name: 'a customers file is a named pipe',
    setup: (dir) => mkfifo(join(dir, 'customers', 'acme.yaml')),
    code: 1,
    line: 'cfg/customers/acme.yaml:1:1: is a named pipe, not a regular file',
  },
  {
    name: 'cwsync.yaml is a named pipe',
    setup: (dir) => {
      rmSync(join(dir, 'cwsync.yaml'));
      mkfifo(join(dir, 'cwsync.yaml'));
    },
    code: 1,
    line: 'cfg/cwsync.yaml:1:1: is a named pipe, not a regular file',
  },
  {
    name: 'usage.file is a named pipe',
    files: withUsageFile('usage.json'),
    setup: (dir) => mkfifo(join(dir, 'usage.json')),
    code: 1,
    line: 'cfg/cwsync.yaml:8:9: usage.file "usage.json" is a named pipe, not a regular file',
  },
  {
    name: 'a customers file is a socket',
    setup: (dir) => socketAt(join(dir, 'customers', 'acme.yaml')),
    code: 1,
    line: 'cfg/customers/acme.yaml:1:1: is a socket, not a regular file',
  },
  {
    name: 'usage.file is a directory',
    files: withUsageFile('snapshots'),
    setup: (dir) => asDir(join(dir, 'snapshots')),
    code: 1,
    line: 'cfg/cwsync.yaml:8:9: usage.file "snapshots" is a directory, not a file',
  },
  {
    name: 'usage.file does not exist',
    files: withUsageFile('usage.json'),
    code: 1,
    line: 'cfg/cwsync.yaml:8:9: usage.file "usage.json" does not exist',
  },
  {
    name: 'a sparse 4 GiB usage file',
    files: withUsageFile('usage.json', { 'usage.json': '' }),
    setup: (dir) => truncateSync(join(dir, 'usage.json'), 4 * 1024 ** 3),
    code: 1,
    line: 'cfg/usage.json:1:1: file is 4294967296 bytes; the limit is 67108864',
  },
];

const LINKS: Row[] = [
  {
    name: 'a customers file linked to /dev/zero',
    setup: (dir) => link('/dev/zero', join(dir, 'customers', 'zero.yaml')),
    code: 1,
    line: 'cfg/customers/zero.yaml:1:1: leads outside the config directory',
  },
  {
    name: 'usage.file linked to /dev/urandom',
    files: withUsageFile('usage.json'),
    setup: (dir) => link('/dev/urandom', join(dir, 'usage.json')),
    code: 1,
    line: 'cfg/cwsync.yaml:8:9: usage.file "usage.json" leads outside the config directory',
  },
  {
    name: 'usage.file is an absolute path out',
    files: withUsageFile('/etc/passwd'),
    code: 1,
    line: 'cfg/cwsync.yaml:8:9: usage.file "/etc/passwd" leads outside the config directory',
  },
  {
    name: 'usage.file climbs out with ..',
    files: withUsageFile('../private.txt'),
    setup: (dir) => void privateBeside(dir),
    code: 1,
    line: 'cfg/cwsync.yaml:8:9: usage.file "../private.txt" leads outside the config directory',
  },
  {
    name: 'services.yaml linked to a private file outside',
    setup: (dir) => link(privateBeside(dir), join(dir, 'services.yaml')),
    code: 1,
    line: 'cfg/services.yaml:1:1: leads outside the config directory',
  },
  {
    name: 'the customers directory linked outside',
    files: { 'customers.yaml': null },
    setup: (dir) => {
      const outside = join(dirname(dir), 'elsewhere');
      mkdirSync(outside);
      // Nor the names in it: they would reach a pull request's comment.
      writeFileSync(join(outside, `${LEAK}.yaml`), `customers: [${LEAK}`);
      mkdirSync(join(outside, `${LEAK}-dir`));
      link(outside, join(dir, 'customers'));
    },
    code: 1,
    line: 'cfg/customers:1:1: leads outside the config directory',
  },
  {
    name: 'a loop of symbolic links',
    setup: (dir) => {
      link('b.yaml', join(dir, 'customers', 'a.yaml'));
      link('a.yaml', join(dir, 'customers', 'b.yaml'));
    },
    code: 1,
    line: 'cfg/customers/a.yaml:1:1: is a loop of symbolic links',
  },
  {
    name: 'a dangling symbolic link',
    setup: (dir) => link('gone.yaml', join(dir, 'customers', 'acme.yaml')),
    code: 1,
    line: 'cfg/customers/acme.yaml:1:1: does not exist',
  },
];

/** What must keep working: the checks refuse the hostile, not the ordinary. */
const ORDINARY: Row[] = [
  {
    name: 'a customers file linked within the config directory',
    files: { 'customers.yaml': null, 'shared/contoso.yaml': CUSTOMERS },
    setup: (dir) => link('../shared/contoso.yaml', join(dir, 'customers', 'contoso.yaml')),
    code: 0,
    line: 'valid: 1 customer, 3 mappings (+1 Not Assigned), 1 bundle',
  },
  {
    name: 'files saved with a UTF-8 byte order mark',
    files: { 'customers.yaml': `\uFEFF${CUSTOMERS}`, 'services.yaml': `\uFEFF${SERVICES}` },
    code: 0,
    line: 'valid: 1 customer, 3 mappings (+1 Not Assigned), 1 bundle',
  },
  {
    name: 'hidden files in customers/ (editor locks) are not config',
    files: { 'customers/.#acme.yaml': `customers: [${LEAK}` },
    code: 0,
    line: 'valid: 1 customer, 3 mappings (+1 Not Assigned), 1 bundle',
  },
];

const CASE: Row[] = [
  {
    name: 'customers/Acme.yaml and customers/acme.yaml',
    files: {
      'customers/Acme.yaml': 'customers:\n  - customer: Acme\n    company: ACME\n    agreement: Email\n',
      'customers/acme.yaml': 'customers:\n  - customer: Acme Two\n    company: ACME2\n    agreement: Email\n',
    },
    code: 1,
    line: 'cfg/customers/acme.yaml:1:1: file name differs only in case from cfg/customers/Acme.yaml',
  },
  {
    name: 'customers.yaml and Customers.yaml',
    files: { 'Customers.yaml': CUSTOMERS.replace('Contoso Ltd', 'Fabrikam') },
    code: 1,
    line: 'cfg/customers.yaml:1:1: file name differs only in case from cfg/Customers.yaml',
  },
  {
    name: 'Services.yaml instead of services.yaml',
    files: { 'services.yaml': null, 'Services.yaml': SERVICES },
    code: 1,
    line: '    fix: found Services.yaml: file names are case-sensitive, rename it to services.yaml',
  },
  {
    name: 'usage.file named in another case than the file',
    files: withUsageFile('Usage.json', { 'usage.json': '{"formatVersion":1,"customers":[]}' }),
    code: 1,
    line: '    fix: found usage.json: file names are case-sensitive',
  },
  {
    name: 'an upper-case .YAML extension is read, not skipped',
    files: { 'customers/more.YAML': CUSTOMERS },
    code: 1,
    line: 'cfg/customers/more.YAML:2:15: customer "Contoso Ltd" is bound twice (first at cfg/customers.yaml:2)',
  },
];

const URLS: Row[] = [
  {
    name: 'credentials in connectwise.url',
    files: cw('site: api-na.myconnectwise.net', `url: https://acme+pub:${LEAK}@cw.example.com/v4_6_release/apis/3.0`),
    code: 1,
    line: 'cfg/cwsync.yaml:2:8: connectwise.url holds credentials (user:password@), which are refused',
  },
  {
    name: 'credentials in connectwise.site as a host',
    files: cw('site: api-na.myconnectwise.net', `site: admin:${LEAK}@api-na.myconnectwise.net`),
    code: 1,
    line: 'cfg/cwsync.yaml:2:9: connectwise.site holds credentials (user:password@), which are refused',
  },
  {
    name: 'credentials in connectwise.site as a URL',
    files: cw('site: api-na.myconnectwise.net', `site: https://admin:${LEAK}@api-na.myconnectwise.net`),
    code: 1,
    line: 'cfg/cwsync.yaml:2:9: connectwise.site holds credentials (user:password@), which are refused',
  },
  {
    name: 'credentials in usage.mailprotector.url',
    files: cw('reseller: 343', `reseller: 343\n    url: https://${LEAK}@emailservice.io/api/v1`),
    code: 1,
    line: 'cfg/cwsync.yaml:11:10: usage.mailprotector.url holds credentials (user:password@), which are refused',
  },
  {
    name: 'an API key in a URL query',
    files: cw('reseller: 343', `reseller: 343\n    url: https://emailservice.io/api/v1?api_key=${LEAK}`),
    code: 1,
    line: 'cfg/cwsync.yaml:11:10: usage.mailprotector.url has a query (?...) or fragment (#...)',
  },
  {
    name: 'a URL that does not parse',
    files: cw('site: api-na.myconnectwise.net', `url: "https://[${LEAK}/apis/3.0"`),
    code: 1,
    line: 'cfg/cwsync.yaml:2:8: connectwise.url is not a valid URL',
  },
];

const LITERAL_SECRETS: Row[] = [
  {
    name: 'a literal string secret',
    files: cw('privateKey: { env: CW_PRIVATE_KEY }', `privateKey: ${LEAK}`),
    code: 1,
    line: 'cfg/cwsync.yaml:5:15: connectwise.privateKey is a literal value; secrets must be references',
  },
  {
    name: 'a literal numeric secret',
    files: cw('publicKey: { env: CW_PUBLIC_KEY }', 'publicKey: 7318240419'),
    code: 1,
    line: 'cfg/cwsync.yaml:4:14: connectwise.publicKey is a literal value; secrets must be references',
  },
  {
    name: 'a literal multi-line secret',
    files: cw('privateKey: { env: CW_PRIVATE_KEY }', `privateKey: |\n    ${LEAK}\n    second-line`),
    code: 1,
    line: 'cfg/cwsync.yaml:5:15: connectwise.privateKey is a literal value; secrets must be references',
  },
  {
    name: 'a secret written as a mapping key',
    files: cw('{ env: MP_API_KEY }', `{ ${LEAK} }`),
    code: 1,
    line: 'cfg/cwsync.yaml:9:13: usage.mailprotector.apiKey has a key other than "env" or "file"',
  },
  {
    name: 'a numeric env name',
    files: cw('clientId: { env: CW_CLIENT_ID }', 'clientId: { env: 7318240419 }'),
    code: 1,
    line: 'cfg/cwsync.yaml:6:20: connectwise.clientId.env must be text (a variable name or a path)',
  },
];

const SECRET_VALUES: Row[] = [
  {
    name: 'an env secret holding a newline',
    files: offline(),
    env: { ...GOOD_ENV, MP_API_KEY: `mp-${LEAK}\nX-Injected: 1` },
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from env MP_API_KEY holds a line break; a secret is one line (a file may end with one newline, no more)',
  },
  {
    name: 'an env secret ending in a newline',
    files: offline(),
    env: { ...GOOD_ENV, MP_API_KEY: `${LEAK}\n` },
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from env MP_API_KEY holds a line break; a secret is one line (a file may end with one newline, no more)',
  },
  {
    name: 'an env secret not set',
    files: offline(),
    env: { ...GOOD_ENV, MP_API_KEY: undefined },
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from env MP_API_KEY is not set',
  },
  {
    name: 'an env secret with a no-break space',
    files: offline(),
    env: { ...GOOD_ENV, MP_API_KEY: `${LEAK}\u00a0` },
    run: usageCmd,
    code: 1,
    line: /^error: usage\.mailprotector\.apiKey from env MP_API_KEY holds a character that is not plain ASCII/,
  },
  {
    name: 'a clientId holding an escape character (doctor)',
    files: offline(),
    env: { ...GOOD_ENV, CW_CLIENT_ID: `${LEAK}\u001b[2J` },
    run: doctorCmd,
    code: 1,
    line: 'FAIL  connectwise.clientId (environment variable CW_CLIENT_ID) (holds a control character)',
  },
  {
    name: 'a file secret with two lines',
    files: { ...secretFile('apiKey', 'mp.key'), 'mp.key': `${LEAK}\nsecond-line\n` },
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file mp.key holds a line break; a secret is one line (a file may end with one newline, no more)',
  },
  {
    name: 'a file secret ending in two newlines',
    files: { ...secretFile('apiKey', 'mp.key'), 'mp.key': `${LEAK}\n\n` },
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file mp.key holds a line break; a secret is one line (a file may end with one newline, no more)',
  },
  {
    name: 'a file secret that is /dev/zero',
    files: secretFile('apiKey', '/dev/zero'),
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file /dev/zero is a character device, not a regular file',
  },
  {
    name: 'a file secret that is a named pipe',
    files: secretFile('apiKey', 'mp.key'),
    setup: (dir) => mkfifo(join(dir, 'mp.key')),
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file mp.key is a named pipe, not a regular file',
  },
  {
    name: 'a file secret that is a directory (doctor)',
    files: secretFile('privateKey', 'keys'),
    setup: (dir) => asDir(join(dir, 'keys')),
    env: GOOD_ENV,
    run: doctorCmd,
    code: 1,
    line: 'FAIL  connectwise.privateKey (file keys) (a directory, not a file)',
  },
  {
    name: 'a file secret that does not exist',
    files: secretFile('apiKey', 'mp.key'),
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file mp.key does not exist',
  },
  {
    name: 'a file secret that is empty',
    files: { ...secretFile('apiKey', 'mp.key'), 'mp.key': '\n' },
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file mp.key is empty',
  },
  {
    name: 'a file secret of 1 MiB',
    files: { ...secretFile('apiKey', 'mp.key'), 'mp.key': LEAK.repeat(100_000) },
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file mp.key is 1300000 bytes; the limit is 65536',
  },
  {
    name: 'a file secret that is binary',
    files: { ...secretFile('apiKey', 'mp.key'), 'mp.key': Buffer.from([0x4c, 0x45, 0xff, 0xfe, 0x00, 0x41]) },
    env: GOOD_ENV,
    run: usageCmd,
    code: 1,
    line: 'error: usage.mailprotector.apiKey from file mp.key is not text (UTF-8)',
  },
];

/** Issue 19: YAML 1.2 only, numbers past 2^53, prototype keys, look-alike and normalised names. */
const ISSUE_19: Row[] = [
  {
    name: 'a %YAML 1.1 directive (070 would be octal 56)',
    files: { 'cwsync.yaml': `%YAML 1.1\n---\n${CWSYNC.replace('reseller: 343', 'reseller: 070')}` },
    code: 1,
    line: 'cfg/cwsync.yaml:1:1: "%YAML 1.1": only YAML 1.2 is read',
  },
  {
    name: 'a %YAML 1.1 directive in customers.yaml (1:20 would be sexagesimal 80)',
    files: cu('%YAML 1.1\n---\ncustomers:\n  - customer: 1:20\n    company: CONTOSO\n    agreement: Email Security\n'),
    code: 1,
    line: 'cfg/customers.yaml:1:1: "%YAML 1.1": only YAML 1.2 is read',
  },
  {
    name: 'a %YAML 1.2 directive is read as YAML 1.2 (070 is 70)',
    files: { 'cwsync.yaml': `%YAML 1.2\n---\n${CWSYNC.replace('reseller: 343', 'reseller: 070')}` },
    code: 0,
    line: 'valid: 1 customer, 3 mappings (+1 Not Assigned), 1 bundle',
  },
  {
    name: 'an override keyed constructor',
    files: cu(`${CUSTOMERS}    overrides:\n      constructor: { skip: true }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:7: override "constructor" is neither a mapped service nor a bundle',
  },
  {
    name: 'an override keyed __proto__',
    files: cu(`${CUSTOMERS}    overrides:\n      __proto__: { quantity: 5 }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:7: override "__proto__" is neither a mapped service nor a bundle',
  },
  // Integers beyond 2^53: YAML and JSON read 9007199254740993 as 9007199254740992 without a word.
  {
    name: 'an override quantity of 2^53+1 (would be planned as 2^53)',
    files: cu(`${CUSTOMERS}    overrides:\n      SafeSend: { quantity: 9007199254740993 }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:29: the number 9007199254740993 is beyond 2^53 - 1 (9007199254740991): it cannot be read exactly',
  },
  {
    name: 'policy.safety.maxQuantity of 2^53+1',
    files: { 'cwsync.yaml': `${CWSYNC}policy:\n  safety:\n    maxQuantity: 9007199254740993\n` },
    code: 1,
    line: 'cfg/cwsync.yaml:13:18: the number 9007199254740993 is beyond 2^53 - 1 (9007199254740991): it cannot be read exactly',
  },
  {
    name: 'a reseller id written as 1e300',
    files: cw('reseller: 343', 'reseller: 1e300'),
    code: 1,
    line: 'cfg/cwsync.yaml:10:15: the number 1e300 is beyond 2^53 - 1 (9007199254740991): it cannot be read exactly',
  },
  {
    name: 'a customer id of 2^53+1',
    files: cu(CUSTOMERS.replace('Contoso Ltd', '9007199254740993')),
    code: 1,
    line: 'cfg/customers.yaml:2:15: the number 9007199254740993 is beyond 2^53 - 1 (9007199254740991): it cannot be read exactly',
  },
  {
    name: 'an agreement id of 2^53+1',
    files: cu(CUSTOMERS.replace('Email Security', '{ id: 9007199254740993 }')),
    code: 1,
    line: 'cfg/customers.yaml:4:22: the number 9007199254740993 is beyond 2^53 - 1 (9007199254740991): it cannot be read exactly',
  },
  {
    name: 'a usage count of 2^53+1 in the usage file (validate)',
    files: withUsageFile('usage.json', {
      'usage.json':
        '{"formatVersion":1,"customers":[{"id":1,"name":"A","userGroups":[{"name":"S","users":9007199254740993,"services":["CloudFilter"]}]}]}',
    }),
    code: 1,
    line: 'cfg/usage.json:1:86: a number beyond 2^53 - 1 (9007199254740991): it cannot be read exactly',
  },
  {
    name: 'a customer id of 2^53+1 in the usage file (usage)',
    files: withUsageFile('usage.json', {
      'usage.json':
        '{"formatVersion":1,"customers":[{"id":9007199254740993,"name":"A","userGroups":[{"name":"S","users":5,"services":["CloudFilter"]}]}]}',
    }),
    run: usageCmd,
    code: 1,
    line: 'cfg/usage.json:1:39: a number beyond 2^53 - 1 (9007199254740991): it cannot be read exactly',
  },
  // Control and bidi characters are shown escaped, never raw.
  {
    name: 'a bidi override (U+202E) in a customer name',
    files: cu(
      'customers:\n  - customer: "\\u202Eltd osotnoC"\n    company: A\n    agreement: X\n  - customer: "\\u202Eltd osotnoC"\n    company: B\n    agreement: Y\n',
    ),
    code: 1,
    line: 'cfg/customers.yaml:5:15: customer "\\u202Eltd osotnoC" is bound twice (first at cfg/customers.yaml:2)',
  },
  {
    name: 'an ESC in a service name',
    files: sv('CloudFilter: MP-CF', '"Cloud\\e[2JFilter": MP-CF'),
    code: 1,
    line: 'cfg/services.yaml:2:3: unknown Mailprotector service "Cloud\\u001B[2JFilter". Did you mean "CloudFilter"?',
  },
  // A line break in data never puts a GitHub workflow command at the start of an output line.
  {
    name: 'a line break and a workflow command in a YAML key',
    files: cu(
      'customers:\n  - customer: A\n    company: A\n    agreement: X\n    "x\\n::warning title=injected::k": 1\n',
    ),
    code: 1,
    line: '\\u003A:warning title=injected::k" in customers[0]',
  },
  {
    name: 'a line break and a workflow command in a service name',
    files: sv('CloudFilter: MP-CF', '"CloudFiltr\\n::add-mask::Contoso": MP-CF'),
    code: 1,
    line: '\\u003A:add-mask::Contoso"',
  },
  // Names that read the same as a known one are flagged, never proposed as a typo's fix.
  {
    name: 'a service name with a Cyrillic look-alike letter (did-you-mean)',
    files: sv('CloudFilter: MP-CF', '\u0421loudFilter: MP-CF'),
    code: 1,
    line: 'cfg/services.yaml:2:3: unknown Mailprotector service "\u0421loudFilter": "\\u0421loudFilter" differs from "CloudFilter" only by look-alike letters (Cyrillic or Greek)',
  },
  {
    name: 'an override key with a zero-width space (did-you-mean)',
    files: cu(`${CUSTOMERS}    overrides:\n      Safe\u200BSend: { quantity: 3 }\n`),
    code: 1,
    line: 'cfg/customers.yaml:6:7: override "Safe\\u200BSend" is neither a mapped service nor a bundle: "Safe\\u200BSend" differs from "SafeSend" only by invisible characters',
  },
  {
    name: 'an override naming a bundle in NFD where services.yaml has NFC (did-you-mean)',
    files: {
      ...sv('name: Bracket Bundle', 'name: Caf\u00e9 Bundle'),
      ...cu(`${CUSTOMERS}    overrides:\n      Cafe\u0301 Bundle: { quantity: 3 }\n`),
    },
    code: 1,
    line: 'cfg/customers.yaml:6:7: override "Cafe\u0301 Bundle" is neither a mapped service nor a bundle: "Cafe\\u0301 Bundle" differs from "Caf\\u00E9 Bundle" only by Unicode normalisation (NFC/NFD)',
  },
  {
    name: 'a config key spelt with Cyrillic look-alikes (did-you-mean)',
    files: cw('company: acme', '\u0441\u043Empany: acme'),
    code: 1,
    line: 'cfg/cwsync.yaml:3:3: unknown key "\u0441\u043Empany" in connectwise: "\\u0441\\u043Empany" differs from "company" only by look-alike letters (Cyrillic or Greek)',
  },
  // One customer identity for validate and plan: NFC and NFD spellings are one customer.
  {
    name: 'a customer bound twice by NFC and NFD spellings (validate, the second line)',
    files: cu(
      'customers:\n  - customer: Caf\u00e9 Ltd\n    company: A\n    agreement: X\n  - customer: Cafe\u0301 Ltd\n    company: B\n    agreement: Y\n',
    ),
    code: 1,
    line: 'cfg/customers.yaml:5:15: customer "Cafe\u0301 Ltd" is bound twice (first at cfg/customers.yaml:2)',
  },
  {
    name: 'a customer bound twice by NFC and NFD spellings (validate, the first line)',
    files: cu(
      'customers:\n  - customer: Caf\u00e9 Ltd\n    company: A\n    agreement: X\n  - customer: Cafe\u0301 Ltd\n    company: B\n    agreement: Y\n',
    ),
    code: 1,
    line: 'cfg/customers.yaml:2:15: customer "Caf\u00e9 Ltd" is bound again at cfg/customers.yaml:5',
  },
  {
    name: 'a customer bound twice by NFC and NFD spellings (validate, the fix says why)',
    files: cu(
      'customers:\n  - customer: Caf\u00e9 Ltd\n    company: A\n    agreement: X\n  - customer: Cafe\u0301 Ltd\n    company: B\n    agreement: Y\n',
    ),
    code: 1,
    line: '    fix: "Caf\\u00E9 Ltd" differs from "Cafe\\u0301 Ltd" only by Unicode normalisation (NFC/NFD); they are one customer: keep one binding',
  },
  // The forced run's actor (apply's report and job summary): GITHUB_ACTOR counts only in Actions.
  {
    name: 'GITHUB_ACTOR set outside GitHub Actions (the local user is the actor)',
    env: { GITHUB_ACTIONS: undefined, GITHUB_ACTOR: '[evil](https://x.test)', USER: 'msp-owner' },
    run: actorLine,
    code: 0,
    line: 'actor: msp-owner',
  },
  {
    name: 'GITHUB_ACTOR holding markdown inside GitHub Actions (escaped)',
    env: { GITHUB_ACTIONS: 'true', GITHUB_TRIGGERING_ACTOR: undefined, GITHUB_ACTOR: '<img src=x>' },
    run: actorLine,
    code: 0,
    line: 'actor: \\u003Cimg\\u0020src\\u003Dx\\u003E',
  },
];

const ROWS = [
  ...BROKEN,
  ...ISSUE_19,
  ...ORDINARY,
  ...YAML_BOMBS,
  ...NOT_FILES,
  ...LINKS,
  ...CASE,
  ...URLS,
  ...LITERAL_SECRETS,
  ...SECRET_VALUES,
];

async function runRow(row: Row) {
  const dir = configDir(row.files ?? {});
  await row.setup?.(dir);
  for (const [k, v] of Object.entries(row.env ?? {})) vi.stubEnv(k, v);
  const result = await inProcess(() => (row.run ?? ((d) => validateCommand({ config: d })))(dir));
  const shown = (text: string) => text.replaceAll(`${dirname(dir)}/`, '');
  return { ...result, stdout: shown(result.stdout), stderr: shown(result.stderr) };
}

describe('YAML 1.2, core schema', () => {
  it('reads 070 as the number 70 and 1:20 as text, never octal or sexagesimal', () => {
    const dir = configDir({
      'cwsync.yaml': CWSYNC.replace('reseller: 343', 'reseller: 070'),
      'customers.yaml': 'customers:\n  - customer: 1:20\n    company: CONTOSO\n    agreement: Email Security\n',
    });
    const { config, problems } = loadConfig(dir, knownAdapters);
    expect(problems).toEqual([]);
    expect(config?.usage.mailprotector?.reseller).toBe(70);
    expect(config?.customers[0]?.customer).toBe('1:20');
  });
});

describe('hostile and broken configs', () => {
  it('has at least 40 kinds of hostile input beside the broken configs, 80 in all', () => {
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
    expect(ROWS.length - BROKEN.length).toBeGreaterThanOrEqual(40);
    expect(ROWS.length).toBeGreaterThanOrEqual(80);
  });

  it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const result = await runRow(row);
    const output = result.stdout + result.stderr;
    expect({ code: result.code, output }).toMatchObject({ code: row.code });
    const lines = output.split('\n');
    if (typeof row.line === 'string') expect(lines, output).toContain(row.line);
    else
      expect(
        lines.some((l) => (row.line as RegExp).test(l)),
        output,
      ).toBe(true);
    expect(output).not.toContain('internal error');
    expect(lines.filter((l) => /^\s*(::|##\[)/.test(l))).toEqual([]);
    expect(output).not.toContain(LEAK);
    expect(output).not.toContain('7318240419');
    expect(output).not.toContain('second-line');
  });
});
