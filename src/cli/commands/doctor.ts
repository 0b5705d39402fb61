import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/types.js';
import { type Check, connectWiseChecks } from '../../connectwise/doctor.js';
import { connectWiseFromConfig } from '../../connectwise/from-config.js';
import { ConfigError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { resolveSecret, SecretError } from '../../secrets.js';
import { plural } from '../../words.js';
import type { ExitCode } from '../run.js';
import { usageChecks } from './doctor-usage.js';

function secretChecks(config: Config): Check[] {
  const refs = [
    ['connectwise.publicKey', config.connectwise.publicKey],
    ['connectwise.privateKey', config.connectwise.privateKey],
    ['connectwise.clientId', config.connectwise.clientId],
    ...(config.usage.mailprotector ? [['usage.mailprotector.apiKey', config.usage.mailprotector.apiKey] as const] : []),
  ] as const;
  return refs.map(([label, ref]) => {
    const name = `${label} (${'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`})`;
    try {
      resolveSecret(ref, config.dir, label);
      return { name, ok: true };
    } catch (err) {
      return {
        name,
        ok: false,
        detail: err instanceof SecretError ? err.reason.replace(/^is /, '') : 'cannot be read',
        fix: (err as { hint?: string }).hint,
      };
    }
  });
}

export async function doctorCommand(opts: { config: string }): Promise<ExitCode> {
  const { config, problems } = loadConfig(opts.config);
  if (!config) throw new ConfigError(problems);
  const logger = createLogger();
  const checks: Check[] = [{ name: `config ${opts.config} is valid`, ok: true }, ...secretChecks(config)];
  if (checks.every((c) => c.ok)) {
    const client = connectWiseFromConfig(config, logger);
    try {
      checks.push(...(await connectWiseChecks(client, config.connectwise.site ?? config.connectwise.url ?? '')));
    } finally {
      await client.close();
    }
    checks.push(...(await usageChecks(config, logger)));
  }
  for (const c of checks) {
    process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}${c.detail ? ` (${c.detail})` : ''}\n`);
    if (!c.ok && c.fix) process.stdout.write(`      fix: ${c.fix}\n`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  process.stdout.write(failed ? `\n${plural(failed, 'check')} failed\n` : '\nall checks passed\n');
  return failed ? 1 : 0;
}
