/**
 * The README's sandbox walk-through, as a new user follows it: its commands are read from the
 * README's own code blocks and run as written (cwsync in process, git in a shell), and the edits
 * its prose asks for are made the way the prose says. What the README promises of each step is
 * checked: doctor passes, the first plan warns of double billing on Tailspin, the bundle block
 * uncommented turns that line into cwsync's own, the saved plan applies, the next plan is empty.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ENV, demoWorld } from '../../src/sandbox/demo-data.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { ROOT } from '../helpers/cli.js';
import { type InProcessResult, runInProcess } from '../helpers/in-process.js';
import { tempDir } from '../helpers/temp.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const walkthrough = README.slice(
  README.indexOf('## Try it on the sandbox, step by step'),
  README.indexOf('## Use it for your MSP'),
);

/** The command lines of the walk-through's code blocks, in order, comments and continuation comments dropped. */
function blocks(): string[][] {
  return [...walkthrough.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

/** `cwsync explain "Tailspin Toys" --config config` -> its arguments, quotes honoured. */
const argv = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(1);

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe("the README's sandbox walk-through", () => {
  it('runs as written: init, the edits it describes, doctor, usage, import, the double-billing warning, the bundle, apply, no changes', {
    timeout: 120_000,
  }, async () => {
    const world = demoWorld();
    const lines0 = JSON.stringify(world.cw.additions);
    sandbox = await startSandbox(world);
    const [setup, first, second] = blocks();
    expect(setup).toEqual(['npm ci && npm link', 'cwsync sandbox', 'cwsync init /tmp/billing && cd /tmp/billing']);
    // The same, in a temporary directory with a space in its path, against this test's sandbox.
    const home = tempDir('cwsync readme ');
    const repo = join(home, 'billing');
    const env = { ...DEMO_ENV, GIT_CONFIG_NOSYSTEM: '1', GITHUB_ACTIONS: undefined };
    const results = new Map<string, InProcessResult>();
    const follow = async (line: string) => {
      if (line.startsWith('git ')) {
        execFileSync('sh', ['-c', line], {
          cwd: repo,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'admin',
            GIT_AUTHOR_EMAIL: 'admin@msp.test',
            GIT_COMMITTER_NAME: 'admin',
            GIT_COMMITTER_EMAIL: 'admin@msp.test',
          },
        });
        return;
      }
      expect(line, 'a walk-through line is cwsync or git').toMatch(/^cwsync /);
      const run = await runInProcess(argv(line), { cwd: repo, env });
      results.set(line, run);
      expect(run.code, `${line}\n${run.stdout}\n${run.stderr}`).toBe(0);
    };
    expect((await runInProcess(['init', repo], { cwd: home, env })).code).toBe(0);

    // "replace site: with url: and the ConnectWise URL the sandbox printed, company: with acme,
    // uncomment the Mailprotector url: and give it the sandbox's, and set reseller: 343"
    const cwsyncYaml = join(repo, 'config/cwsync.yaml');
    let text = readFileSync(cwsyncYaml, 'utf8');
    for (const [from, to] of [
      [/^ {2}site: .*$/m, `  url: ${sandbox.cw.apiBase}`],
      [/^ {2}company: yourcompany .*$/m, '  company: acme'],
      [/^ {4}# url: .*$/m, `    url: ${sandbox.mp.apiBase}`],
      [/^ {4}reseller: 1 .*$/m, '    reseller: 343'],
      // Not in the README: the suite's own, as in every test against the sandbox (at the polite
      // default of 5 requests a second each Mailprotector read here waits 3.4 s).
      [/^ {4}# requestsPerSecond: 5 .*$/m, '    requestsPerSecond: 1000'],
    ] as const) {
      expect(text).toMatch(from);
      text = text.replace(from, to);
    }
    writeFileSync(cwsyncYaml, text);

    for (const line of first!) await follow(line);
    const doctor = results.get('cwsync doctor --config config')!;
    expect(doctor.stdout).toContain("services.yaml maps your catalog's Product IDs, not init's placeholders");
    expect(doctor.stdout).not.toMatch(/^FAIL/m);
    expect(results.get('cwsync import --config config')!.stdout).toMatch(/: 5 accepted/);
    const plan = results.get('cwsync plan --config config')!.stdout;
    expect(plan).toContain('Likely double billing (1)');
    expect(plan).toMatch(/Tailspin Toys .*MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle" .*x28/);
    expect(plan).toMatch(/MP-BRACKET +new -> 30/);
    expect(plan).toMatch(/MP-CLOUDFILTER +12 -> 42/);
    // Nothing written yet (doctor's write probes are refused by design).
    expect(JSON.stringify(world.cw.additions)).toBe(lines0);

    // "uncomment the bundles: block in config/services.yaml (the four lines from # bundles:)"
    const servicesYaml = join(repo, 'config/services.yaml');
    const lines = readFileSync(servicesYaml, 'utf8').split('\n');
    const at = lines.indexOf('# bundles:');
    expect(at).toBeGreaterThan(0);
    for (let i = at; i < at + 4; i++) lines[i] = lines[i]!.replace(/^# ?/, '');
    writeFileSync(servicesYaml, lines.join('\n'));

    for (const line of second!) await follow(line);
    const bundled = results.get('cwsync plan --config config --out plan.json')!.stdout;
    expect(bundled).not.toContain('double billing');
    expect(bundled).toMatch(/MP-BRACKET-BUNDLE +28 -> 30/);
    expect(bundled).not.toMatch(/MP-BRACKET +new/);
    expect(results.get('cwsync comment --plan plan.json --print')!.stdout).toMatch(
      /^<!-- cwsync:plan-comment -->\n### cwsync plan: /,
    );
    expect(results.get('cwsync apply --config config --plan plan.json')!.stdout).toContain('failed 0, unknown 0');
    expect(results.get('cwsync plan --config config')!.stdout).toMatch(/^No changes/);
    expect(results.get('cwsync explain "Tailspin Toys" --config config')!.stdout).toMatch(
      /MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle" +x30 .*managed/,
    );
  });
});
