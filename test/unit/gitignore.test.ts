/**
 * Every file a workflow makes beside the config (plans, reports, snapshots, logs, the state kept
 * between runs) holds customer names, counts and prices: git must ignore it, in this repository
 * (whose own workflows run over config/) and in the repository `cwsync init` writes (SPEC
 * section 7, hygiene). The names come from the workflows themselves, so a new output file that
 * no .gitignore covers fails here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scaffoldFiles } from '../../src/init/scaffold.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { type Step, WORKFLOW_DIR, type Workflow, workflowFiles } from '../helpers/workflows.js';

const WRITES = [
  /--(?:out|report|state-dir|failed-log)[ =]([\w.-]+)/g,
  /(?:^|\s)>>?\s*([\w.-]+\.\w+)/g,
  /\btee(?:\s+-a)?\s+([\w.-]+)/g,
];

/** The files one step writes: named in its script, as its output files, or as paths it caches or uploads. */
function stepWrites(step: Step): string[] {
  const names = WRITES.flatMap((re) => [...(step.run ?? '').matchAll(re)].map((m) => m[1]!));
  for (const key of ['stdout-file', 'stderr-file'])
    if (typeof step.with?.[key] === 'string') names.push(step.with[key] as string);
  const path = step.with?.path;
  if (/actions\/(cache|upload-artifact)/.test(step.uses ?? '') && typeof path === 'string')
    names.push(
      ...path
        .split('\n')
        .map((p) => p.trim())
        .filter(Boolean),
    );
  return names;
}

/** The files a workflow's steps write in the working directory, by their names in the steps. */
function writtenFiles(text: string): string[] {
  const wf = parse(text) as Workflow;
  const names = new Set(Object.values(wf.jobs).flatMap((job) => (job.steps ?? []).flatMap(stepWrites)));
  names.delete('/dev/null');
  return [...names].filter((n) => !n.startsWith('$')).sort();
}

function ignored(dir: string, path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '--no-index', '-q', path], { cwd: dir, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Those of `files` that git would not ignore in `dir`, as a file or as a directory's content. */
const notIgnored = (dir: string, files: string[]) =>
  files.filter((f) => !ignored(dir, f) && !ignored(dir, `${f}/any-file`));

const ownWrites = () => workflowFiles().flatMap((f) => writtenFiles(readFileSync(join(WORKFLOW_DIR, f), 'utf8')));

function initRepository(gitignore: string) {
  const dir = tempDir('cwsync-gitignore-');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(join(dir, '.gitignore'), gitignore);
  return dir;
}

const initFile = (path: string) => scaffoldFiles().find((f) => f.path === path)!.content;

describe('.gitignore covers every file the workflows write', () => {
  it('finds the outputs by name in the workflows (the check can see them)', () => {
    const names = ownWrites();
    for (const n of ['plan.json', 'report.json', 'usage-snapshot.json', 'target-snapshot.json', 'cwsync.log'])
      expect(names).toContain(n);
  });

  it("this repository's own workflows", () => {
    expect(notIgnored(ROOT, [...new Set(ownWrites())])).toEqual([]);
  });

  it('the repository init writes', () => {
    const dir = initRepository(initFile('.gitignore'));
    const names = scaffoldFiles()
      .filter((f) => f.path.startsWith('.github/workflows/'))
      .flatMap((f) => writtenFiles(f.content));
    expect(names.length).toBeGreaterThan(5);
    expect(notIgnored(dir, [...new Set(names)])).toEqual([]);
  });

  it('fails when a written file is not covered', () => {
    const dir = initRepository('plan.json\n');
    expect(notIgnored(dir, ['plan.json', 'report.json'])).toEqual(['report.json']);
  });
});
