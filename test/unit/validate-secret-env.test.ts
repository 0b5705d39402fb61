/**
 * validate warns of a secret read from an environment variable the workflows never set (a typo
 * such as CW_PUBLC_KEY is valid YAML and schema, and empty in GitHub Actions). The names it
 * accepts are those the workflows fill from secrets: init's templates, and the config
 * repository's own workflows.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scaffoldFiles } from '../../src/init/scaffold.js';
import { writeScaffold } from '../../src/init/write.js';
import { runInProcess } from '../helpers/in-process.js';
import { tempDir } from '../helpers/temp.js';

function repo(edit: (cwsync: string) => string = (t) => t): string {
  const dir = tempDir('cwsync-secret-env-');
  writeScaffold(dir, scaffoldFiles());
  const path = join(dir, 'config/cwsync.yaml');
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

/** What the generated workflows' step env fills from secrets, read from their text. */
const fromSecrets = () =>
  [
    ...new Set(
      scaffoldFiles()
        .filter((f) => f.path.startsWith('.github/workflows/'))
        .flatMap((f) => [...f.content.matchAll(/^\s+([A-Z_]+): \$\{\{ secrets\./gm)].map((m) => m[1]!)),
    ),
  ].sort();

describe('validate: secrets read from variables the workflows never set', () => {
  it('init as written: no warning', async () => {
    const cwd = repo();
    expect(await runInProcess(['validate'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  });

  it('{ env: CW_PUBLC_KEY }: valid, with a warning at its line naming the nearest name the workflows set', async () => {
    const cwd = repo((t) => t.replace('publicKey: { env: CW_PUBLIC_KEY }', 'publicKey: { env: CW_PUBLC_KEY }'));
    const line =
      readFileSync(join(cwd, 'config/cwsync.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('CW_PUBLC_KEY')) + 1;
    const run = await runInProcess(['validate'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^valid: .*; 1 warning \(above\)\n$/);
    expect(run.stderr).toContain(
      `config/cwsync.yaml:${line}:21: warning: connectwise.publicKey reads the environment variable CW_PUBLC_KEY, which the cwsync workflows never set`,
    );
    expect(run.stderr).toContain('fix: did you mean CW_PUBLIC_KEY?');
    // Every name the workflows fill from a secret is offered, and nothing else.
    const offered = /the workflows set (.*) from secrets/.exec(run.stderr)?.[1]?.split(', ');
    expect(offered).toEqual(fromSecrets());
    expect(offered).toContain('MP_API_KEY');
  });

  it('each reference is checked: the read-only keys the plan workflow passes are fine, a Mailprotector key under another name is not', async () => {
    const cwd = repo((t) =>
      t
        .replace('apiKey: { env: MP_API_KEY }', 'apiKey: { env: MAILPROTECTOR_KEY }')
        .replace(
          '  clientId: { env: CW_CLIENT_ID }',
          '  clientId: { env: CW_CLIENT_ID }\n  readOnly:\n    publicKey: { env: CW_READONLY_PUBLIC_KEY }\n    privateKey: { env: CW_READONLY_PRIVAT_KEY }',
        ),
    );
    const run = await runInProcess(['validate'], { cwd });
    expect(run.code).toBe(0);
    const warned = [...run.stderr.matchAll(/warning: (\S+) reads the environment variable (\S+),/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(warned).toEqual([
      'connectwise.readOnly.privateKey CW_READONLY_PRIVAT_KEY',
      'usage.mailprotector.apiKey MAILPROTECTOR_KEY',
    ]);
    expect(run.stderr).toContain('did you mean CW_READONLY_PRIVATE_KEY?');
  });

  it("a name the config repository's own workflow sets from a secret is not warned about", async () => {
    const cwd = repo((t) => t.replace('apiKey: { env: MP_API_KEY }', 'apiKey: { env: MAILPROTECTOR_KEY }'));
    mkdirSync(join(cwd, '.github/workflows'), { recursive: true });
    writeFileSync(
      join(cwd, '.github/workflows/usage.yml'),
      'on: workflow_dispatch\njobs:\n  usage:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cwsync usage\n        env:\n          MAILPROTECTOR_KEY: ${{ secrets.MAILPROTECTOR_KEY }}\n',
    );
    expect(await runInProcess(['validate'], { cwd })).toMatchObject({ code: 0, stderr: '' });
  });
});
