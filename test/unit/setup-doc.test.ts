/**
 * docs/setup.md's table of every secret and variable agrees with the workflows `cwsync init`
 * writes: each one a workflow reads is in the table, the table names nothing they do not read,
 * and the environment the table puts each secret in is the one the reading jobs run in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initCommand } from '../../src/cli/commands/init.js';
import { scaffoldFiles } from '../../src/init/scaffold.js';
import { ROOT } from '../helpers/cli.js';
import { inProcess } from '../helpers/config.js';
import { tempDir } from '../helpers/temp.js';
import type { Workflow } from '../helpers/workflows.js';

const doc = readFileSync(join(ROOT, 'docs/setup.md'), 'utf8');
const table = doc.slice(doc.indexOf('### Every secret and variable'), doc.indexOf('Then check the connection'));
const rows = table.split('\n').filter((l) => /^\| `/.test(l));
/** name -> where the table says it lives */
const documented = new Map<string, string>();
for (const row of rows) {
  const [names, , lives] = row
    .split('|')
    .slice(1)
    .map((c) => c.trim());
  for (const m of names!.matchAll(/`([A-Z_]+)`/g)) documented.set(m[1]!, lives!);
}

const workflows = scaffoldFiles()
  .filter((f) => f.path.startsWith('.github/workflows/'))
  .map((f) => parse(f.content) as Workflow);

/** Every secrets.X / vars.X the workflows read, with the environments of the jobs reading it. */
function read(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const wf of workflows)
    for (const job of Object.values(wf.jobs))
      for (const m of JSON.stringify(job).matchAll(/\b(?:secrets|vars)\.([A-Z_]+)/g)) {
        if (!out.has(m[1]!)) out.set(m[1]!, new Set());
        out.get(m[1]!)!.add(job.environment ?? 'repository');
      }
  return out;
}

describe('docs/setup.md: the one table of secrets and variables', () => {
  it('names every secret and variable the generated workflows read, and nothing else', () => {
    const used = [...read().keys()].sort();
    expect(used.length).toBeGreaterThan(5);
    expect([...documented.keys()].filter((k) => k !== 'GITHUB_TOKEN').sort()).toEqual(used);
  });

  it('puts each secret where the jobs that read it can get it, write keys only in billing', () => {
    for (const [name, envs] of read()) {
      const lives = documented.get(name)!;
      if (lives.includes('`billing` environment')) expect([...envs], name).toEqual(['billing']);
      else expect(lives, name).toBe('repository');
    }
    for (const key of ['CW_PUBLIC_KEY', 'CW_PRIVATE_KEY', 'MP_API_KEY'])
      expect(documented.get(key)).toBe('`billing` environment');
  });

  it('creates both environments with reviewers, prevent self-review and the default branch only', () => {
    expect(doc).toMatch(/\| `billing` \| none .*\| \*\*Selected branches: the default branch only\*\* \|/);
    expect(doc).toMatch(
      /\| `cwsync-approval` \| the people who may approve .*\| \*\*on\*\* \| \*\*the default branch only\*\* \|/,
    );
    expect(doc).not.toMatch(/@vX\.Y\.Z/);
    expect(doc).toMatch(/uses: cwsync\/cwsync@[0-9a-f]{40} # cwsync \d+\.\d+\.\d+/);
  });
});

describe("init's own words about the secrets agree with the table", () => {
  const names = (text: string) => [...text.matchAll(/\b(CW_[A-Z_]+|MP_[A-Z_]+)\b/g)].map((m) => m[1]!);
  const expectPlaced = (billing: string[], repository: string[]) => {
    expect(billing.length, 'secrets named for billing').toBeGreaterThan(0);
    expect(repository.length, 'secrets named for the repository').toBeGreaterThan(0);
    for (const name of billing) expect(documented.get(name), name).toBe('`billing` environment');
    for (const name of repository) expect(documented.get(name), name).toBe('repository');
  };

  it('what init prints next', async () => {
    const out = (await inProcess(() => initCommand(tempDir('cwsync-init-')))).stdout.replace(/\s+/g, ' ');
    const billing = /in the billing environment ([^;]+);/.exec(out)?.[1] ?? '';
    const repository = /as a repository secret ([^.]+)\./.exec(out)?.[1] ?? '';
    expectPlaced(names(billing), names(repository));
  });

  it("the scaffold's README", () => {
    const readme = scaffoldFiles()
      .find((f) => f.path === 'README.md')!
      .content.replace(/\s+/g, ' ');
    const step = /add the secrets(.*?)as repository secrets/.exec(readme)?.[1] ?? '';
    const [billing = '', repository = ''] = step.split('only in the `billing` environment');
    expectPlaced(names(billing), names(repository));
  });
});
