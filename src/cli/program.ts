/** Commander wiring: one file per command under commands/, exit codes mapped in run.ts. */
import { Command, Option } from 'commander';
import { doctorCommand } from './commands/doctor.js';
import { usageCommand } from './commands/usage.js';
import { validateCommand } from './commands/validate.js';
import { run } from './run.js';

const configOption = () => new Option('--config <dir>', 'the config directory').default('config');

export function buildProgram(): Command {
  const program = new Command('cwsync')
    .description('Keeps ConnectWise Manage agreement additions in step with Mailprotector usage, from config in git.')
    .version('0.1.0')
    .option('--log-level <level>', 'pino log level on stderr (trace, debug, info, warn, error, silent)')
    .hook('preAction', (cmd) => {
      const level = cmd.opts<{ logLevel?: string }>().logLevel;
      if (level) process.env.CWSYNC_LOG_LEVEL = level;
    });

  program
    .command('validate')
    .description('check the config offline: YAML, schemas and cross-file rules')
    .addOption(configOption())
    .action((opts: { config: string }) => run(() => validateCommand(opts)));

  program
    .command('usage')
    .description('print the usage snapshot read from the source (json = the usage file format)')
    .addOption(configOption())
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action((opts: { config: string; format: string }) => run(() => usageCommand(opts)));

  program
    .command('doctor')
    .description('check connectivity, credentials and each permission the role needs, with fixes')
    .addOption(configOption())
    .action((opts: { config: string }) => run(() => doctorCommand(opts)));

  return program;
}
