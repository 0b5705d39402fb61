/**
 * The nightly's new-customers pull request, night after night, against the sandbox fakes and
 * a fake GitHub API on loopback: opened once, updated on later nights, never reopened once
 * merged or closed, and a person's edit on the branch is left alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { knownAdapters } from '../../src/adapters/registry.js';
import { loadConfig } from '../../src/config/load.js';
import { BRANCH, markerOf } from '../../src/github/pull-request.js';
import { importPullRequest } from '../../src/import/run.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { TEST_ENV, writeConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/temp.js';
import { generateImportWorld, type ImportWorld } from '../support/import-world.js';
import { type FakeGitHub, startFakeGitHub } from './import-fake-github.js';

let generated: ImportWorld;
let sandbox: Sandbox;
let github: FakeGitHub;
let workspace: string;
let configDir: string;

beforeEach(async () => {
  Object.assign(process.env, TEST_ENV);
  generated = generateImportWorld({ customers: 40, seed: 7 });
  sandbox = await startSandbox(generated.world);
  github = await startFakeGitHub();
  workspace = tempDir('cwsync-ws-');
  configDir = join(workspace, 'config');
  writeConfig(configDir, { cwUrl: sandbox.cw.apiBase, mpUrl: sandbox.mp.apiBase, customers: generated.customersYaml });
});
afterEach(async () => {
  await Promise.all([sandbox.close(), github.close()]);
});

const night = (date: string) => {
  const { config, problems } = loadConfig(configDir, knownAdapters);
  expect(problems).toEqual([]);
  return importPullRequest(config!, {
    now: new Date(`${date}T02:17:00Z`),
    repo: { token: github.repo.token, repository: github.repo.fullName, apiUrl: github.origin },
    workspace,
    githubOverrides: { baseDelayMs: 5 },
  });
};
const writesDuring = async <T>(fn: () => Promise<T>) => {
  const before = github.writes().length;
  const result = await fn();
  return { result, writes: github.writes().slice(before) };
};
/** Unbound customers with usage: what the pull request should propose. */
const withUsage = () =>
  generated.cases
    .filter((c) => !c.bound && c.users > 0)
    .map((c) => c.customerId)
    .sort((a, b) => a - b);
let newIds = 90_000;
const newCustomer = (name: string, users = 9) => {
  const mp = generated.world.mp;
  const id = newIds++;
  mp.customers.push({ id, name, resellerId: mp.resellerId });
  mp.domains.push({ id, name: `${id}.example`, customerId: id, parentId: null });
  mp.userGroups.push({ id, name: 'Staff', domainId: id, userCount: users });
  mp.services.push({ id, userGroupId: id, serviceType: 'CloudFilter Email Security' });
  return id;
};
const FILE = 'config/customers/new-customers-2026-11-26.yaml';
const pull = (n: number) => github.repo.pulls.find((p) => p.number === n)!;

describe('import --pull-request, night after night', () => {
  it('opens one pull request with the unbound customers that have usage', async () => {
    const { result, writes } = await writesDuring(() => night('2026-11-26'));
    expect(result).toMatchObject({ kind: 'opened', number: 1, customers: withUsage() });
    expect(writes).toEqual([
      { method: 'POST', path: '/repos/msp/config/git/refs' },
      { method: 'PUT', path: `/repos/msp/config/contents/${FILE}` },
      { method: 'POST', path: '/repos/msp/config/pulls' },
    ]);
    const file = github.fileOn(BRANCH, FILE)!;
    expect(file).toContain('# Bindings proposed by `cwsync import --pull-request`');
    const noUsage = generated.cases.filter((c) => !c.bound && c.users === 0).map((c) => c.customerId);
    expect(noUsage.length).toBeGreaterThan(0);
    for (const id of noUsage) expect(file).not.toContain(`(Mailprotector #${id})`);
    expect(markerOf(pull(1).body)).toMatchObject({ customers: withUsage(), file: FILE });
    expect(pull(1).body).toContain('| Mailprotector customer | users | ConnectWise company | score | status |');
    expect(pull(1)).toMatchObject({ state: 'open', base: { ref: 'main' }, head: { ref: BRANCH } });
  });

  it('changes nothing on a night when nothing changed', async () => {
    await night('2026-11-26');
    const { result, writes } = await writesDuring(() => night('2026-11-27'));
    expect(result).toMatchObject({ kind: 'unchanged', number: 1 });
    expect(writes).toEqual([]);
  });

  it('updates the same pull request when a new customer appears', async () => {
    await night('2026-11-26');
    const id = newCustomer('Brand New Dental Ltd');
    const { result, writes } = await writesDuring(() => night('2026-11-27'));
    expect(result).toMatchObject({ kind: 'updated', number: 1, customers: [...withUsage(), id] });
    expect(writes).toEqual([
      { method: 'PUT', path: `/repos/msp/config/contents/${FILE}` },
      { method: 'PATCH', path: '/repos/msp/config/pulls/1' },
    ]);
    expect(github.fileOn(BRANCH, FILE)).toContain(`Brand New Dental Ltd (Mailprotector #${id})`);
    expect(markerOf(pull(1).body)!.customers).toContain(id);
    expect(github.repo.pulls).toHaveLength(1);
  });

  it('once merged: never reopened; a later new customer gets a new pull request of its own', async () => {
    await night('2026-11-26');
    github.mergePull(1);
    // The nightly checks out the default branch: the merged file is now part of the config.
    mkdirSync(dirname(join(workspace, FILE)), { recursive: true });
    writeFileSync(join(workspace, FILE), github.fileOn('main', FILE)!);
    const after = await writesDuring(() => night('2026-11-27'));
    expect(after.result).toMatchObject({ kind: 'nothing' });
    expect(after.writes).toEqual([]);
    expect(pull(1)).toMatchObject({ state: 'closed', merged_at: expect.any(String) });

    const id = newCustomer('Later Arrival Optics Ltd');
    const later = await writesDuring(() => night('2026-12-02'));
    expect(later.result).toMatchObject({ kind: 'opened', number: 2, customers: [id] });
    expect(later.writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      `PATCH /repos/msp/config/git/refs/heads/${BRANCH}`,
      'PUT /repos/msp/config/contents/config/customers/new-customers-2026-12-02.yaml',
      'POST /repos/msp/config/pulls',
    ]);
    expect(pull(1).state).toBe('closed');
    expect(github.fileOn(BRANCH, FILE)).toBe(github.fileOn('main', FILE));
  });

  it('once closed unmerged: "not these customers", never reopened nor proposed again', async () => {
    await night('2026-11-26');
    github.closePull(1);
    const { result, writes } = await writesDuring(() => night('2026-11-27'));
    expect(result).toMatchObject({ kind: 'nothing', declined: withUsage() });
    expect(writes).toEqual([]);
    expect(pull(1).state).toBe('closed');

    const id = newCustomer('Fresh Face Bakery');
    const later = await writesDuring(() => night('2026-11-28'));
    expect(later.result).toMatchObject({ kind: 'opened', number: 2, customers: [id] });
    const file = github.fileOn(BRANCH, 'config/customers/new-customers-2026-11-28.yaml')!;
    expect(parse(file)).toBeTruthy();
    expect(file).toContain(`(Mailprotector #${id})`);
    expect(pull(2).body).toMatch(/customers declined in closed pull requests are left out/);
  });

  it('leaves the file alone once a person has edited it on the branch', async () => {
    await night('2026-11-26');
    github.commit(BRANCH, FILE, `${github.fileOn(BRANCH, FILE)}# reviewed by Sam\n`);
    newCustomer('Another New Ltd');
    const { result, writes } = await writesDuring(() => night('2026-11-27'));
    expect(result).toMatchObject({ kind: 'kept', number: 1 });
    expect(writes).toEqual([]);
    expect(github.fileOn(BRANCH, FILE)).toContain('# reviewed by Sam');
  });

  it("refuses to reset a branch of that name that holds someone else's work", async () => {
    github.repo.branches.set(BRANCH, github.repo.branches.get('main')!);
    github.commit(BRANCH, 'notes.md', 'work in progress\n');
    const { result, writes } = await writesDuring(() => night('2026-11-26').catch((e: Error) => e));
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toBe(`branch ${BRANCH} exists and holds commits no cwsync pull request proposed`);
    expect(writes).toEqual([]);
  });

  it('never picks a file name the default branch already has', async () => {
    github.commit('main', FILE, 'customers: []\n');
    const { result } = await writesDuring(() => night('2026-11-26'));
    expect(result).toMatchObject({ kind: 'opened' });
    expect(markerOf(pull(1).body)!.file).toBe('config/customers/new-customers-2026-11-26-2.yaml');
    expect(github.fileOn('main', FILE)).toBe('customers: []\n');
  });
});
