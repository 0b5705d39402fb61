/**
 * Commander wiring: one file per command under commands/, exit codes mapped in run.ts. Each
 * command's module is imported only when that command runs, so `cwsync --version` or
 * `validate` never load HTTP, git or pino transports.
 */
import { Command, Option } from 'commander';
import { cwsyncVersion } from '../version.js';
import type { ApplyOptions } from './commands/apply.js';
import type { ImportOptions } from './commands/import.js';
import type { NotifyOptions } from './commands/notify.js';
import type { PlanOptions } from './commands/plan.js';
import { run } from './run.js';

const configOption = () => new Option('--config <dir>', 'the config directory').default('config');
const customerOption = () =>
  new Option('--customer <name>', 'only this customer, as written in its binding (repeatable)').argParser(
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  );

/** Each command's options and action, registered in the order `--help` lists them. */
const COMMANDS: Array<(program: Command) => void> = [
  addValidate,
  addPlan,
  addSnapshot,
  addApply,
  addExplain,
  addImport,
  addUsage,
  addDoctor,
  addComment,
  addNotify,
  addInit,
  addSandbox,
];

function addValidate(program: Command): void {
  program
    .command('validate')
    .description('check the config offline: YAML, schemas and cross-file rules')
    .addOption(configOption())
    .action((opts: { config: string }) =>
      run(async () => (await import('./commands/validate.js')).validateCommand(opts)),
    );
}

function addPlan(program: Command): void {
  program
    .command('plan')
    .description('read both systems and print the plan')
    .addOption(configOption())
    .addOption(
      new Option('--format <format>', 'text, markdown or json').choices(['text', 'markdown', 'json']).default('text'),
    )
    .option('--out <file>', 'also save the JSON plan to this file')
    .option('--detailed-exitcode', 'exit 2 when the plan has changes')
    .addOption(customerOption())
    .option('--usage-snapshot <file>', 'plan from a saved usage snapshot instead of reading the usage source')
    .option('--max-usage-age <duration>', 'refuse a snapshot older than this (e.g. 26h, 90m, 2d)', '26h')
    .option(
      '--target-snapshot <file>',
      'plan from a ConnectWise snapshot (cwsync snapshot) instead of reading ConnectWise: no key needed; such a plan cannot be applied',
    )
    .option('--max-target-age <duration>', 'refuse a ConnectWise snapshot older than this', '26h')
    .option(
      '--read-only',
      'read ConnectWise with the connectwise.readOnly keys (never the write keys) and never Mailprotector: for pull-request plans',
    )
    .option(
      '--base <ref>',
      'refuse (exit 3) when the connection differs from the one at this commit (as a pull request is checked against its base)',
    )
    .option('--max-duration <duration>', "the run's deadline, Retry-After waits included (e.g. 50m, 2h)", '50m')
    .action((opts: PlanOptions) => run(async () => (await import('./commands/plan.js')).planCommand(opts)));
}

function addSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description(
      'save what a pull-request plan needs of ConnectWise (companies, agreements, mapped catalog items, the lines of bound agreements)',
    )
    .addOption(configOption())
    .requiredOption('--out <file>', 'where to write the snapshot (JSON)')
    .option('--read-only', 'read with the connectwise.readOnly keys')
    .option('--all-agreements', 'also the lines of agreements not bound yet (one request per agreement)')
    .action((opts: import('./commands/snapshot.js').SnapshotOptions) =>
      run(async () => (await import('./commands/snapshot.js')).snapshotCommand(opts)),
    );
}

function addApply(program: Command): void {
  program
    .command('apply')
    .description(
      'plan and apply; with --plan, apply that saved plan if ConnectWise and the config are still as it saw them',
    )
    .addOption(configOption())
    .option(
      '--plan <file>',
      'a plan saved with plan --out; Mailprotector is not read again; refuse (exit 3) if it no longer matches',
    )
    .option(
      '--force',
      'lift the safety limits: apply held changes and a run over maxChangePercent (recorded in the report)',
    )
    .option('--allow-dirty', 'apply even when the config has uncommitted changes')
    .option(
      '--yes',
      "without --plan: apply what this run plans without showing it and asking (needed off a terminal; Terraform's -auto-approve)",
    )
    .option('--report <file>', 'write the JSON report of every action to this file')
    .addOption(customerOption())
    .option('--lock-wait <seconds>', 'how long to wait for another apply on this config repository', '60')
    .option('--max-duration <duration>', "the run's deadline: past it nothing more is written (e.g. 50m, 2h)", '50m')
    .option(
      '--state-dir <dir>',
      'where creates whose outcome is unknown are remembered between runs (default: CWSYNC_STATE_DIR, else the git directory)',
    )
    .option('--settle-time <duration>', 'how long such a create blocks its line while it is not seen (e.g. 15m)', '15m')
    .action((opts: ApplyOptions) => run(async () => (await import('./commands/apply.js')).applyCommand(opts)));
}

function addExplain(program: Command): void {
  program
    .command('explain')
    .description(
      "how a customer's quantities are derived: user groups, services, bundles, overrides, the agreement's lines, and what the next plan would do",
    )
    .argument('<customer>', 'the customer as written in its binding (name, any case, or id)')
    .addOption(configOption())
    .action((customer: string, opts: { config: string }) =>
      run(async () => (await import('./commands/explain.js')).explainCommand(customer, opts)),
    );
}

function addImport(program: Command): void {
  program
    .command('import')
    .description('propose bindings for unbound Mailprotector customers, as a new YAML file to review')
    .addOption(configOption())
    .option('--out <file>', 'write here (never over an existing file); default customers/imported-DATE.yaml')
    .option('--agreement <glob>', 'choose the agreement whose name or type matches, e.g. "Email*"')
    .option(
      '--pull-request',
      'in GitHub Actions: open or update one pull request for unbound customers with usage (GITHUB_TOKEN, GITHUB_REPOSITORY)',
    )
    .option('--usage-snapshot <file>', 'customers and usage from a saved snapshot instead of reading Mailprotector')
    .option('--max-usage-age <duration>', 'refuse a snapshot older than this (e.g. 26h, 90m, 2d)', '26h')
    .action((opts: ImportOptions) => run(async () => (await import('./commands/import.js')).importCommand(opts)));
}

function addUsage(program: Command): void {
  program
    .command('usage')
    .description('print the usage snapshot read from the source (json = the usage file format)')
    .addOption(configOption())
    .addOption(new Option('--format <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action((opts: { config: string; format: string }) =>
      run(async () => (await import('./commands/usage.js')).usageCommand(opts)),
    );
}

function addDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check connectivity, credentials and each permission the role needs, with fixes')
    .addOption(configOption())
    .option('--shapes', 'show the shape of one real answer of each endpoint read, and which assumptions it confirms')
    .option('--services', 'also read usage in full and list every service seen with its users, mapped or not')
    .action((opts: { config: string; shapes?: boolean; services?: boolean }) =>
      run(async () => (await import('./commands/doctor.js')).doctorCommand(opts)),
    );
}

function addComment(program: Command): void {
  program
    .command('comment')
    .description('in GitHub Actions: create or update the one plan comment on the pull request')
    .option('--plan <file>', 'the JSON plan (cwsync plan --out FILE), rendered with the head commit and the money')
    .option('--failed-log <file>', 'what a failed run printed; used when the --plan file does not exist')
    .option('--stage <stage>', 'which step failed, for --failed-log: validate or plan', 'plan')
    .option('--artifact-url <url>', 'where the full plan can be downloaded (default: the run page)')
    .option('--body-file <file>', 'any markdown, posted as written')
    .option('--print', 'write the exact comment body to stdout instead of posting it (no token needed)')
    .option('--allow-public', 'post even to a public repository (the plan holds customer names, counts and prices)')
    .action((opts: import('./commands/comment.js').CommentOptions) =>
      run(async () => (await import('./commands/comment.js')).commentCommand(opts)),
    );
}

function addNotify(program: Command): void {
  program
    .command('notify')
    .description('in GitHub Actions: open, update or close the one nightly issue for what needs a human')
    .option('--report <file>', 'the apply report (apply --report)')
    .option('--plan <file>', 'the saved plan (plan --out), read when there is no report')
    .option('--log <file>', "the run's cwsync output; its last plain lines go into the issue when a step failed")
    .option(
      '--step <name=code>',
      'a step and its exit code, e.g. apply=3; empty when it did not run (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--job-status <status>', 'the job status so far: success, failure or cancelled')
    .option('--allow-public', 'write the issue even in a public repository (it holds customer names and counts)')
    .action((opts: NotifyOptions) => run(async () => (await import('./commands/notify.js')).notifyCommand(opts)));
}

function addInit(program: Command): void {
  program
    .command('init')
    .description(
      'scaffold a new config repository: commented config files and the two workflows, pinned to this version',
    )
    .argument('[dir]', 'where to write it (created if missing; existing files are never replaced)', '.')
    .option(
      '--action <owner/repo@commit>',
      "the Action the workflows run: a fork's repository and commit (default: the commit this cwsync was packed or cloned from, in the repository its package names, or a clone's origin on GitHub)",
    )
    .action((dir: string, opts: { action?: string }) =>
      run(async () => (await import('./commands/init.js')).initCommand(dir, opts)),
    );
}

function addSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('start local fake ConnectWise and Mailprotector servers with demo data')
    .option('--port <n>', `ConnectWise port; Mailprotector listens on the next one`)
    .action((opts: { port?: string }) => run(async () => (await import('./commands/sandbox.js')).sandboxCommand(opts)));
}

export function buildProgram(): Command {
  const program = new Command('cwsync')
    .description('Keeps ConnectWise Manage agreement additions in step with Mailprotector usage, from config in git.')
    .version(cwsyncVersion())
    .addOption(
      new Option('--log-level <level>', 'log level on stderr').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
        'silent',
      ]),
    )
    .option('--quiet', 'no progress lines on stderr')
    .hook('preAction', (cmd) => {
      const { logLevel: level, quiet } = cmd.opts<{ logLevel?: string; quiet?: boolean }>();
      if (level) process.env.CWSYNC_LOG_LEVEL = level;
      if (quiet) process.env.CWSYNC_QUIET = '1';
    });
  for (const add of COMMANDS) add(program);
  return program;
}
