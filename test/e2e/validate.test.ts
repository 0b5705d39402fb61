/**
 * `cwsync validate` through the real binary: exit codes, where output goes, and the
 * file:line:col format relative to the working directory. Each rule and each hostile input is
 * tested in process, much faster, in test/unit/hostile-config.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { BASE_CONFIG } from '../helpers/config.js';
import { tempDir, writeFiles } from '../helpers/temp.js';

function arrange(files: Record<string, string> = {}): string {
  const dir = tempDir();
  writeFiles(join(dir, 'cfg'), { ...BASE_CONFIG, ...files });
  return dir;
}

const validate = (cwd: string) =>
  runCli(['validate', '--config', 'cfg'], { cwd, env: { CW_PUBLIC_KEY: undefined, CW_PRIVATE_KEY: undefined } });

describe('cwsync validate', () => {
  it('accepts a valid config without any secret set and prints a summary', async () => {
    const result = await validate(arrange());
    expect(result).toEqual({
      code: 0,
      stdout: 'valid: 1 customer, 3 mappings (+1 Not Assigned), 1 bundle\n',
      stderr: '',
    });
  });

  it('lists every problem as file:line:col on stderr, with fixes, and never echoes a literal secret', async () => {
    const cwsync = BASE_CONFIG['cwsync.yaml']
      .replace('company: acme', 'company: [acme')
      .replace('privateKey: { env: CW_PRIVATE_KEY }', 'privateKey: s3cr3t-literal-value');
    const services = BASE_CONFIG['services.yaml']
      .replace('CloudFilter: MP-CF', 'CloudFiltr: MP-CF')
      .replace('XtraMail: null', 'Exchange+ Basic: MP-X');
    const result = await validate(arrange({ 'services.yaml': services }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cfg/services.yaml:2:3: unknown Mailprotector service "CloudFiltr"');
    expect(result.stderr).toContain('cfg/services.yaml:5:20: "Exchange+ Basic" is deprecated');
    expect(result.stderr).toMatch(/\n2 problems in the configuration\n$/);

    const syntax = await validate(arrange({ 'cwsync.yaml': cwsync }));
    expect(syntax.code).toBe(1);
    expect(syntax.stderr.split('\n')).toContain(
      'cfg/cwsync.yaml:4:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );

    const literal = await validate(arrange({ 'cwsync.yaml': cwsync.replace('company: [acme', 'company: acme') }));
    expect(literal.code).toBe(1);
    expect(literal.stderr).toContain('cfg/cwsync.yaml:5:15: connectwise.privateKey is a literal value');
    expect(literal.stderr).toContain('fix: write { env: NAME } and set the variable');
    expect(literal.stderr + literal.stdout).not.toContain('s3cr3t');
  });

  it('refuses a named pipe as a customers file without blocking', async () => {
    const dir = arrange();
    rmSync(join(dir, 'cfg', 'customers.yaml'));
    execFileSync('mkfifo', [join(dir, 'cfg', 'customers.yaml')], { stdio: 'ignore' });
    const result = await runCli(['validate', '--config', 'cfg'], { cwd: dir, timeoutMs: 10_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cfg/customers.yaml:1:1: is a named pipe, not a regular file');
  });

  it('refuses a log level pino does not know, before running anything', async () => {
    const result = await runCli(['--log-level', 'verbose', 'validate', '--config', 'cfg'], { cwd: arrange() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      "error: option '--log-level <level>' argument 'verbose' is invalid. Allowed choices are trace, debug, info, warn, error, fatal, silent.",
    );
  });
});
