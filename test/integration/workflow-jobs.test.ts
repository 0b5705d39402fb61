/**
 * The jobs of plan.yml and apply.yml run step by step as GitHub would (see helpers/workflows):
 * `run:` scripts verbatim with bash, in a real repo against the sandbox, with a fake GitHub API
 * on loopback and the Actions cache as a local directory. Proof the workflows' commands work
 * together: a pull request never reaches a write key nor the Mailprotector key (even with them
 * in the secret store), the night reads Mailprotector once and saves the snapshots, a pull
 * request then plans from them, and the nightly issue is opened and closed, a forced run
 * applying only when another person approved it. Few journeys: each runs a dozen commands.
 *
 * Integration, not e2e: every `npx cwsync` line runs in this process (helpers/npx-shim.ts), as
 * the README defines the layers; the generated workflows through the real binary and the Action
 * are test/e2e/package.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MARKER } from '../../src/github/comment.js';
import { ISSUE_LABEL } from '../../src/github/issue.js';
import { ISSUE_MARKER } from '../../src/github/issue-body.js';
import { DEMO_ENV } from '../../src/sandbox/demo-data.js';
import { type FakeServer, json, startServer } from '../../src/sandbox/harness.js';
import { type Route, route } from '../helpers/routes.js';
import { type Scene, startScene } from '../helpers/scene.js';
import { tempDir } from '../helpers/temp.js';
import { type RunJobOptions, runJob, workflow } from '../helpers/workflows.js';

let scene: Scene | undefined;
let github: FakeServer | undefined;
afterEach(async () => {
  await scene?.close();
  await github?.close();
});

interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
}
interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: string;
  labels: string[];
  user: { login: string };
  comments: string[];
}

const BOT = { login: 'github-actions[bot]', type: 'Bot' };

/** Pull request #7's comments, the repository's issues, and the workflow enable endpoint. */
async function fakeGitHub(
  comments: FakeComment[],
  issues: FakeIssue[],
  approvals: Record<
    string,
    Array<{ state: string; user: { login: string }; environments: Array<{ name: string }> }>
  > = {},
): Promise<FakeServer> {
  let next = 1000;
  const issueOf = (m: string[]) => issues.find((i) => i.number === Number(m[1]));
  const routes: Route[] = [
    ['GET', '/repos/msp/config', () => json(200, { private: true, visibility: 'private' })],
    [
      'GET',
      /^\/repos\/msp\/config\/actions\/runs\/(\d+)$/,
      (_req, m) =>
        json(200, {
          id: Number(m[1]),
          run_attempt: 1,
          actor: { login: 'msp-admin' },
          triggering_actor: { login: 'msp-admin' },
        }),
    ],
    ['GET', /^\/repos\/msp\/config\/actions\/runs\/(\d+)\/approvals$/, (_req, m) => json(200, approvals[m[1]!] ?? [])],
    ['GET', '/user', () => json(403, { message: 'Resource not accessible by integration' })],
    ['GET', '/repos/msp/config/issues/7/comments', () => json(200, comments)],
    [
      'POST',
      '/repos/msp/config/issues/7/comments',
      (req) => {
        const c = { id: next++, body: (req.body as { body: string }).body, user: BOT };
        comments.push(c);
        return json(201, { ...c, html_url: `https://github.test/msp/config/pull/7#issuecomment-${c.id}` });
      },
    ],
    [
      'PATCH',
      /^\/repos\/msp\/config\/issues\/comments\/(\d+)$/,
      (req, m) => {
        const c = comments.find((x) => x.id === Number(m[1]))!;
        c.body = (req.body as { body: string }).body;
        return json(200, c);
      },
    ],
    [
      'GET',
      '/repos/msp/config/issues',
      (req) => {
        const creator = req.query.get('creator');
        return json(
          200,
          issues.filter((i) => i.state === req.query.get('state') && (!creator || i.user.login === creator)),
        );
      },
    ],
    [
      'POST',
      '/repos/msp/config/issues',
      (req) => {
        const b = req.body as { title: string; body: string; labels: string[] };
        const issue = { number: 40 + issues.length, ...b, state: 'open', user: BOT, comments: [] };
        issues.push(issue);
        return json(201, issue);
      },
    ],
    [
      'PATCH',
      /^\/repos\/msp\/config\/issues\/(\d+)$/,
      (req, m) => {
        const issue = issueOf(m);
        if (!issue) return json(404, { message: 'Not Found' });
        Object.assign(issue, req.body as object);
        return json(200, issue);
      },
    ],
    [
      'POST',
      /^\/repos\/msp\/config\/issues\/(\d+)\/comments$/,
      (req, m) => {
        const issue = issueOf(m);
        if (!issue) return json(404, { message: 'Not Found' });
        issue.comments.push((req.body as { body: string }).body);
        return json(201, { id: next++ });
      },
    ],
    ['PUT', '/repos/msp/config/actions/workflows/apply.yml/enable', () => ({ status: 204 })],
  ];
  return startServer((req) => {
    if (req.headers.authorization !== 'Bearer ghs_workflow') return json(401, { message: 'Bad credentials' });
    return route(routes, req) ?? json(404, { message: 'Not Found' });
  });
}

const HEAD_SHA = 'abcdef0123456789abcdef0123456789abcdef01';

/** The commit checked out in `dir`, or none when it is not a repository. */
function commitIn(dir: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function options(cwd: string, origin: string, cacheDir: string, over: Partial<RunJobOptions> = {}): RunJobOptions {
  const gh = tempDir('cwsync-gh-');
  writeFileSync(
    join(gh, 'event.json'),
    // The base commit is the repository's own, as GitHub's would be: plan compares the connection with it.
    JSON.stringify({
      action: 'opened',
      pull_request: { number: 7, head: { sha: HEAD_SHA }, base: { sha: commitIn(cwd), ref: 'main' } },
      repository: { default_branch: 'main' },
    }),
  );
  writeFileSync(join(gh, 'summary.md'), '');
  return {
    cwd,
    cacheDir,
    env: {
      GITHUB_TOKEN: 'ghs_workflow',
      GITHUB_REPOSITORY: 'msp/config',
      GITHUB_API_URL: origin,
      GITHUB_SERVER_URL: 'https://github.test',
      GITHUB_RUN_ID: '555',
      GITHUB_ACTOR: 'msp-admin',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_WORKFLOW_REF: 'msp/config/.github/workflows/apply.yml@refs/heads/main',
      GITHUB_EVENT_PATH: join(gh, 'event.json'),
      GITHUB_STEP_SUMMARY: join(gh, 'summary.md'),
    },
    secrets: { ...DEMO_ENV },
    github: {
      run_id: '555',
      run_attempt: '1',
      event_name: 'pull_request',
      event: {
        pull_request: {
          number: 7,
          head: { sha: HEAD_SHA, repo: { full_name: 'msp/config' } },
          base: { ref: 'main' },
          user: { login: 'msp-admin' },
        },
        repository: { default_branch: 'main' },
      },
    },
    ...over,
  };
}

/** The options of a scheduled night after the cut-over (or, with inputs, a manual run on main). */
function nightly(o: RunJobOptions, runId: string, inputs?: Record<string, unknown>): RunJobOptions {
  const event = inputs ? 'workflow_dispatch' : 'schedule';
  return {
    ...o,
    vars: { CWSYNC_NIGHTLY_APPLY: 'true' },
    inputs: inputs ?? {},
    env: { ...o.env, GITHUB_EVENT_NAME: event, GITHUB_REF: 'refs/heads/main', GITHUB_RUN_ID: runId },
    github: {
      ...o.github,
      run_id: runId,
      event_name: event,
      event: inputs ? { repository: { default_branch: 'main' }, inputs } : {},
    },
  };
}

const steps = (r: { results: Array<{ step: string; code: number | null }> }) => r.results.map((x) => [x.step, x.code]);
const SECRET_VALUES = Object.values(DEMO_ENV).filter((v) => v.startsWith('sandbox-'));

const READ_ONLY = { CW_READONLY_PUBLIC_KEY: DEMO_ENV.CW_PUBLIC_KEY, CW_READONLY_PRIVATE_KEY: DEMO_ENV.CW_PRIVATE_KEY };

describe('the workflows, run step by step', () => {
  it('a pull request reaches no key: before any night a failure comment and no request; the night before the cut-over reads once, saves both snapshots and writes nothing; the next plan, keyless, asks neither system anything', {
    timeout: 240_000,
  }, async () => {
    scene = await startScene();
    const comments: FakeComment[] = [{ id: 1, body: 'Looks good to me', user: { login: 'reviewer' } }];
    const issues: FakeIssue[] = [];
    github = await fakeGitHub(comments, issues);
    const cache = tempDir('cwsync-cache-');
    // Every key is in the secret store, as in a real repository: the job must not take them.
    const o = options(scene.repo, github.origin, cache);
    const plan = workflow('plan.yml').jobs.plan!;
    const apply = workflow('apply.yml').jobs.apply!;

    // A pull request before any night: no snapshot, no read-only key: nothing is read, and the
    // comment says why.
    const first = await runJob(plan, o);
    expect(steps(first)).toEqual([
      ['Skip pull requests from forks, Dependabot and into other branches', 0],
      ['Validate', 0],
      ['Plan', 3],
      ['Comment the plan', 0],
    ]);
    expect(first.results[2]!.output).toContain('cannot plan: no usage snapshot from the nightly yet');
    expect(scene.sandbox.cw.requests).toHaveLength(0);
    expect(scene.sandbox.mp.requests).toHaveLength(0);
    expect(comments).toHaveLength(2);
    expect(comments[1]!.body.startsWith(`${MARKER}\n### cwsync plan: failed, nothing was planned`)).toBe(true);
    for (const v of SECRET_VALUES) expect(first.results.map((r) => r.output).join('\n')).not.toContain(v);

    // The night before the cut-over (CWSYNC_NIGHTLY_APPLY unset): usage once, a plan, the
    // snapshots saved; nothing applied, nothing written to ConnectWise.
    const night = await runJob(apply, { ...nightly(o, '9001'), vars: {} });
    expect(steps(night)).toEqual([
      ['Only from the default branch', 0],
      ['Check for a config', 0],
      ['Validate', 0],
      ['Read usage once', 0],
      ['Plan', 0],
      ['Save the ConnectWise snapshot', 0],
      ['Tell people (the nightly issue)', 0],
    ]);
    expect(scene.sandbox.cw.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(existsSync(join(cache, 'cwsync-snapshots-9001-1', 'target-snapshot.json'))).toBe(true);
    for (const v of SECRET_VALUES) expect(Object.values(night.npmEnv!)).not.toContain(v);
    const mpNight = scene.sandbox.mp.requests;
    const paths = mpNight.map((r) => `${r.path}?${r.query}`);
    expect(new Set(paths).size).toBe(paths.length); // every Mailprotector path read once
    expect(existsSync(join(cache, 'cwsync-snapshots-9001-1', 'usage-snapshot.json'))).toBe(true);
    // Its output is printed inside stop-commands: data never runs as a workflow command.
    expect(night.results.find((r) => r.step === 'Plan')!.output).toMatch(/^::stop-commands::[0-9a-f]{32}\n/);

    // A pull request after the night: no key at all reaches the step (the store still holds
    // them); it plans from the two snapshots, asking neither system anything, and the same
    // comment is updated with the plan.
    const before = { cw: scene.sandbox.cw.requests.length, mp: scene.sandbox.mp.requests.length };
    const pr = await runJob(plan, o);
    expect(pr.used).toContain('actions/cache/restore');
    expect(steps(pr)).toEqual([
      ['Skip pull requests from forks, Dependabot and into other branches', 0],
      ['Validate', 0],
      ['Plan', 0],
      ['Comment the plan', 0],
    ]);
    expect(scene.sandbox.cw.requests.length).toBe(before.cw);
    expect(scene.sandbox.mp.requests.length).toBe(before.mp);
    const saved = JSON.parse(readFileSync(join(scene.repo, 'plan.json'), 'utf8'));
    expect([saved.usage.source, saved.target.source]).toEqual(['snapshot', 'snapshot']);
    expect(comments).toHaveLength(2);
    expect(comments[0]!.body).toBe('Looks good to me');
    expect(comments[1]!.body).toMatch(/^<!-- cwsync:plan-comment -->\n### cwsync plan: \d+ changes?/);
    expect(pr.npmEnv).toBeDefined();
    for (const v of SECRET_VALUES) expect(Object.values(pr.npmEnv!)).not.toContain(v);

    // With a read-only key configured: ConnectWise live with that key only, never the write key.
    const live = await runJob(plan, {
      ...o,
      secrets: { ...DEMO_ENV, ...READ_ONLY, CW_PUBLIC_KEY: 'write-pub', CW_PRIVATE_KEY: 'write-priv' },
    });
    expect(live.results.find((r) => r.step === 'Plan')!.code).toBe(0);
    expect(scene.sandbox.cw.requests.length).toBeGreaterThan(before.cw);
    expect(scene.sandbox.mp.requests.length).toBe(before.mp);
  });

  it('the nightly issue: opened once on a held change, a forced run approved by another person applies it, closed when clean', {
    timeout: 240_000,
  }, async () => {
    scene = await startScene();
    const issues: FakeIssue[] = [
      // A person's issue quoting the marker: never touched.
      {
        number: 3,
        title: 'why?',
        body: `${ISSUE_MARKER} quoted`,
        state: 'open',
        labels: [],
        user: { login: 'alice' },
        comments: [],
      },
    ];
    const approve = (login: string) => ({
      state: 'approved',
      user: { login },
      environments: [{ name: 'cwsync-approval' }],
    });
    github = await fakeGitHub([], issues, { '4': [approve('msp-admin')], '5': [approve('finance-lead')] });
    const cache = tempDir('cwsync-cache-');
    const o = options(scene.repo, github.origin, cache);
    const apply = workflow('apply.yml').jobs.apply!;
    expect(steps(await runJob(apply, nightly(o, '1'))).every(([, c]) => c === 0)).toBe(true);

    scene.world.mp.userGroups.find((g) => g.name === 'All staff')!.userCount = 30; // Fabrikam 120 -> 30
    const held = await runJob(apply, nightly(o, '2'));
    expect(held.results.find((r) => r.step === 'Apply the plan')!.code).toBe(1);
    expect(held.results.at(-1)).toMatchObject({ step: 'Tell people (the nightly issue)', code: 0 });
    const mine = issues.filter((i) => i.user.login === BOT.login);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.labels).toEqual([ISSUE_LABEL]);
    expect(mine[0]!.body.startsWith(ISSUE_MARKER)).toBe(true);
    expect(mine[0]!.body).toContain('held change');
    expect(mine[0]!.body).toContain('Fabrikam Inc');
    expect(mine[0]!.body).toContain('`force` ticked and `customers` set to `Fabrikam Inc`');
    expect(mine[0]!.body).toContain('https://github.test/msp/config/actions/runs/2');
    for (const v of SECRET_VALUES) expect(mine[0]!.body).not.toContain(v);

    // A forced run its starter approved himself: refused before anything is read.
    const writesBefore = scene.sandbox.cw.requests.filter((r) => r.method !== 'GET').length;
    const selfApproved = await runJob(apply, nightly(o, '4', { force: true, customers: 'Fabrikam Inc' }));
    const refused = selfApproved.results.find((r) => r.step === 'Apply the plan')!;
    expect(refused.code).toBe(3);
    expect(refused.output).toContain('forced apply refused: the only approval in cwsync-approval is by msp-admin');
    expect(scene.sandbox.cw.requests.filter((r) => r.method !== 'GET')).toHaveLength(writesBefore);

    // Another person approves the next forced run: it applies.
    const forced = await runJob(apply, nightly(o, '5', { force: true, customers: ' Fabrikam Inc , ' }));
    expect(steps(forced).every(([, c]) => c === 0)).toBe(true);
    expect(forced.results.find((r) => r.step === 'Apply the plan')!.output).toContain(
      'forced run started by msp-admin, approved by finance-lead',
    );
    const report = JSON.parse(readFileSync(join(scene.repo, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ forced: true, actor: 'msp-admin', scope: { customers: ['Fabrikam Inc'] } });
    expect(report.summary.applied).toBeGreaterThan(0);
    expect(mine[0]!.state).toBe('open'); // a narrowed run only reports on it
    expect(mine[0]!.comments.at(-1)).toContain('narrowed to Fabrikam Inc was clean, forced by msp-admin');

    // The next full night is clean: the issue is closed with a comment.
    await runJob(apply, nightly(o, '6'));
    expect(mine[0]!.state).toBe('closed');
    expect(mine[0]!.comments.at(-1)).toMatch(/^Clean: .* Closing\./);
    expect(issues.find((i) => i.number === 3)).toMatchObject({
      state: 'open',
      body: `${ISSUE_MARKER} quoted`,
      comments: [],
    });
    expect(issues.filter((i) => i.user.login === BOT.login)).toHaveLength(1);
  });

  it('a refused apply (ConnectWise moved after the plan) opens the issue with the refusal', {
    timeout: 240_000,
  }, async () => {
    scene = await startScene();
    const issues: FakeIssue[] = [];
    github = await fakeGitHub([], issues);
    const o = options(scene.repo, github.origin, tempDir('cwsync-cache-'));
    const apply = workflow('apply.yml').jobs.apply!;
    // Someone changes an addition in ConnectWise between the plan and the apply step.
    const night = await runJob(apply, {
      ...nightly(o, '7'),
      beforeStep: (step) => {
        if (step.id === 'apply') {
          const addition = scene!.world.cw.additions.find((a) => !a.cancelledDate)!;
          addition.quantity += 1;
        }
      },
    });
    expect(night.results.find((r) => r.step === 'Apply the plan')!.code).toBe(3);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.body).toContain('`apply` exited 3 (refused before any write)');
    expect(issues[0]!.body).toContain('ConnectWise changed since the plan');
  });

  it('plan.yml comments the validation problems of a broken config, and fails the job', async () => {
    scene = await startScene();
    await scene.edit('services.yaml', (t) => t.replace('CloudFilter: MP-CLOUDFILTER', 'CloudFiltr: MP-CLOUDFILTER'));
    const comments: FakeComment[] = [];
    github = await fakeGitHub(comments, []);
    const results = await runJob(workflow('plan.yml').jobs.plan!, options(scene.repo, github.origin, tempDir()));
    expect(steps(results)).toEqual([
      ['Skip pull requests from forks, Dependabot and into other branches', 0],
      ['Validate', 1],
      ['Comment the validation problems', 0],
    ]);
    expect(comments[0]!.body).toContain('### cwsync: the config is invalid');
    expect(comments[0]!.body).toContain(`head ${HEAD_SHA}`);
    expect(comments[0]!.body).toContain(
      'config/services.yaml:12:3: unknown Mailprotector service "CloudFiltr". Did you mean "CloudFilter"?',
    );
  });

  it('plan.yml skips a pull request from a fork, and one from Dependabot, with a notice, touching nothing', async () => {
    github = await fakeGitHub([], []);
    const o = options(tempDir(), github.origin, tempDir());
    const r = await runJob(workflow('plan.yml').jobs.plan!, {
      ...o,
      github: {
        ...o.github,
        event: {
          pull_request: {
            number: 7,
            head: { sha: HEAD_SHA, repo: { full_name: 'stranger/config' } },
            base: { ref: 'main' },
          },
          repository: { default_branch: 'main' },
        },
      },
    });
    expect(steps(r)).toEqual([['Skip pull requests from forks, Dependabot and into other branches', 0]]);
    expect(r.results[0]!.output).toContain('::notice title=cwsync plan skipped::pull requests from forks');
    expect(r.used).toEqual([]);
    expect(github.requests).toHaveLength(0);
    const bot = await runJob(workflow('plan.yml').jobs.plan!, {
      ...o,
      env: { ...o.env, GITHUB_ACTOR: 'dependabot[bot]' },
    });
    expect(steps(bot)).toEqual([['Skip pull requests from forks, Dependabot and into other branches', 0]]);
    expect(bot.results[0]!.output).toContain(
      '::notice title=cwsync plan skipped::Dependabot pull requests get no plan',
    );
    // Into a branch of its author's (whose connection nobody reviewed): no plan, no key.
    const event = o.github!.event as { pull_request: Record<string, unknown> };
    const other = await runJob(workflow('plan.yml').jobs.plan!, {
      ...o,
      github: { ...o.github, event: { ...event, pull_request: { ...event.pull_request, base: { ref: 'evil-base' } } } },
    });
    expect(steps(other)).toEqual([['Skip pull requests from forks, Dependabot and into other branches', 0]]);
    expect(other.results[0]!.output).toContain(
      '::notice title=cwsync plan skipped::pull requests into a branch other than the default branch get no plan',
    );
    expect(other.used).toEqual([]);
    expect(github.requests).toHaveLength(0);
  });

  it('apply.yml started by hand from another branch refuses before reading anything', async () => {
    scene = await startScene();
    github = await fakeGitHub([], []);
    const o = nightly(options(scene.repo, github.origin, tempDir()), '8', { force: false, customers: '' });
    const r = await runJob(workflow('apply.yml').jobs.apply!, {
      ...o,
      env: { ...o.env, GITHUB_REF: 'refs/heads/sneaky' },
    });
    expect(steps(r)).toEqual([['Only from the default branch', 1]]);
    expect(r.results[0]!.output).toContain(
      '::error title=cwsync apply refused::applies run only from the default branch (main)',
    );
    expect(github.requests).toHaveLength(0);
    expect(scene.sandbox.mp.requests).toHaveLength(0);
  });

  it('apply.yml without a config/ directory says so and succeeds without calling anything', async () => {
    const repo = tempDir();
    github = await fakeGitHub([], []);
    const results = await runJob(
      workflow('apply.yml').jobs.apply!,
      nightly(options(repo, github.origin, tempDir()), '9'),
    );
    expect(steps(results)).toEqual([
      ['Only from the default branch', 0],
      ['Check for a config', 0],
    ]);
    expect(results.results[1]!.output).toContain('no config/ yet');
    expect(github.requests).toHaveLength(0);
  });

  it('the keepalive job enables the nightly workflow through the API', async () => {
    github = await fakeGitHub([], []);
    const r = await runJob(
      workflow('apply.yml').jobs.keepalive!,
      nightly(options(tempDir(), github.origin, tempDir()), '10'),
    );
    expect(steps(r)).toEqual([['Keep the nightly schedule enabled', 0]]);
    expect(github.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'PUT /repos/msp/config/actions/workflows/apply.yml/enable',
    ]);
  });
});
