/**
 * Scale benchmark (run on demand: `npm run bench`, or `npm run bench -- --customers 200,2000,20000`).
 * For each size: a generated world on both fake servers with simulated latency, a real git
 * repo with the config, then the real CLI for plan and for apply. Prints wall time, requests
 * to each API, the CLI's peak RSS, and the ideal time (unavoidable requests x latency /
 * allowed concurrency, the two APIs overlapping) with the ratio.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_ENV } from '../src/sandbox/demo-data.js';
import { MP_PAGE_SIZE } from '../src/sandbox/fake-mailprotector.js';
import { type Sandbox, startSandbox } from '../src/sandbox/start.js';
import { DEFAULT_SCENARIO, generateScenario, scenarioConfigFiles } from '../test/support/scenario.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const PROBE = join(ROOT, 'bench/rss-probe.cjs');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const sizes = arg('customers', '200,2000').split(',').map(Number);
const latencyMs = Number(arg('latency', '30'));
const concurrency = Number(arg('concurrency', '8'));
/** `--mp-rate default` keeps Mailprotector's polite default (5 requests/second) in force. */
const mpRate = arg('mp-rate', '1000');
/** `--flow nightly`: the nightly as the workflow runs it, beside the old flow, and a pull request's plan. */
const flow = arg('flow', 'plan-apply');
/** `--steps plan`: the plan alone (no apply, no re-plan), for profiling at a large size. */
const steps = arg('steps', 'plan,apply');
/**
 * `--node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"`: options for the node that runs the measured
 * plan (profiles, heap snapshots, --max-old-space-size); apply runs without them.
 */
const planNodeArgs = arg('node-args', '').split(' ').filter(Boolean);

interface Run {
  wallMs: number;
  cw: number;
  cwWrites: number;
  mp: number;
  rssMb: number;
  /** The CLI's own CPU time, user + system. */
  cpuMs: number;
  /** The fake servers' CPU time meanwhile (they share the bench process, and the machine's cores, with nothing else). */
  fakesCpuMs: number;
  /** With BENCH_MEMORY_EVERY_MS: [ms, rss, heapUsed, heapTotal, external] over the run. */
  memory?: number[][];
  code: number;
}

function runCli(
  sandbox: Sandbox,
  cwd: string,
  args: string[],
  stdoutFile?: string,
  nodeArgs: string[] = [],
): Promise<Run> {
  const cw0 = sandbox.cw.requests.length;
  const mp0 = sandbox.mp.requests.length;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, '--require', PROBE, CLI, ...args], {
      cwd,
      env: { ...process.env, ...DEMO_ENV, CWSYNC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', stdoutFile ? openSync(join(cwd, stdoutFile), 'w') : 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const fakes = process.cpuUsage(cpu0);
      const memory = /"benchMemory":(\[.*\])\}/.exec(stderr);
      const rss = /"benchMaxRssKb":(\d+)/.exec(stderr);
      const cpu = /"benchCpuUs":(\d+)/.exec(stderr);
      if (code !== 0 && code !== 2) process.stderr.write(stderr);
      const cwReqs = sandbox.cw.requests.slice(cw0);
      resolve({
        wallMs,
        cw: cwReqs.length,
        cwWrites: cwReqs.filter((r) => r.method !== 'GET').length,
        mp: sandbox.mp.requests.length - mp0,
        rssMb: rss ? Number(rss[1]) / 1024 : NaN,
        cpuMs: cpu ? Number(cpu[1]) / 1000 : NaN,
        fakesCpuMs: (fakes.user + fakes.system) / 1000,
        ...(memory ? { memory: JSON.parse(memory[1]!) as number[][] } : {}),
        code: code ?? 1,
      });
    });
  });
}

/** A generated world on both fakes and a committed config repository pointed at them. */
async function setup(customers: number) {
  const scenario = generateScenario({ ...DEFAULT_SCENARIO, customers });
  const sandbox = await startSandbox(scenario.world, { latencyMs });
  const repo = mkdtempSync(join(tmpdir(), 'cwsync-bench-'));
  const files = scenarioConfigFiles(scenario, {
    cwUrl: sandbox.cw.apiBase,
    mpUrl: sandbox.mp.apiBase,
    concurrency,
    requestsPerSecond: mpRate === 'default' ? undefined : Number(mpRate),
  });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, 'config', rel)), { recursive: true });
    writeFileSync(join(repo, 'config', rel), text);
  }
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...a], {
      cwd: repo,
      stdio: 'ignore',
    });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'config');
  const close = async () => {
    await sandbox.close();
    rmSync(repo, { recursive: true, force: true });
  };
  return { world: scenario.world, sandbox, repo, close };
}

async function nightly(customers: number) {
  const { world, sandbox, repo, close } = await setup(customers);
  try {
    // Today's flow before this change: plan --out, then apply, which planned again (two reads).
    const oldPlan = await runCli(sandbox, repo, ['plan', '--config', 'config', '--out', 'old.json']);
    const oldApply = await runCli(sandbox, repo, ['apply', '--yes', '--config', 'config', '--force']);
    // Reset the additions the old flow wrote, so the new flow has the same work.
    const fresh = await setup(customers);
    await close();
    const w = fresh;
    const usage = await runCli(w.sandbox, w.repo, ['usage', '--config', 'config', '--format', 'json'], 'snapshot.json');
    const plan = await runCli(w.sandbox, w.repo, [
      'plan',
      '--config',
      'config',
      '--usage-snapshot',
      'snapshot.json',
      '--out',
      'plan.json',
    ]);
    const apply = await runCli(w.sandbox, w.repo, ['apply', '--config', 'config', '--plan', 'plan.json', '--force']);
    const pr = await runCli(w.sandbox, w.repo, ['plan', '--config', 'config', '--usage-snapshot', 'snapshot.json']);
    await w.close();
    return { customers, agreements: world.cw.agreements.length, oldPlan, oldApply, usage, plan, apply, pr };
  } catch (err) {
    await close();
    throw err;
  }
}

async function bench(customers: number) {
  const { world, sandbox, repo, close } = await setup(customers);
  try {
    // The requests no implementation can avoid.
    const domains = world.mp.domains.length;
    const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
    const mpNeeded =
      pages(world.mp.customers.length, MP_PAGE_SIZE) +
      pages(domains, MP_PAGE_SIZE) +
      world.mp.domains.filter((d) => d.parentId === null).length +
      world.mp.userGroups.length;
    const cwReadsNeeded =
      world.cw.agreements.length + pages(world.cw.companies.length, 1000) + pages(world.cw.agreements.length, 1000) + 1;
    // Each API's requests at the allowed concurrency, and Mailprotector's no faster than the rate
    // the config allows it (its requestsPerSecond); the two APIs overlap.
    const mpFloorMs = Math.max(
      (mpNeeded * latencyMs) / concurrency,
      mpRate === 'default' ? (mpNeeded * 1000) / 5 : (mpNeeded * 1000) / Number(mpRate),
    );
    const readsIdealMs = Math.max(mpFloorMs, (cwReadsNeeded * latencyMs) / concurrency);

    const plan = await runCli(
      sandbox,
      repo,
      ['plan', '--config', 'config', '--out', 'plan.json', '--detailed-exitcode'],
      undefined,
      planNodeArgs,
    );
    if (!steps.includes('apply'))
      return { customers, agreements: world.cw.agreements.length, mpNeeded, cwReadsNeeded, readsIdealMs, plan };
    const apply = await runCli(sandbox, repo, [
      'apply',
      '--config',
      'config',
      '--plan',
      'plan.json',
      '--force',
      '--report',
      'report.json',
    ]);
    // apply --plan reads no usage (the old ideal counted every Mailprotector read): one re-read
    // of each agreement's lines and the writes, at ConnectWise's concurrency.
    const applyIdealMs = ((world.cw.agreements.length + apply.cwWrites) * latencyMs) / concurrency;
    const again = await runCli(sandbox, repo, ['plan', '--config', 'config', '--detailed-exitcode']);
    return {
      customers,
      agreements: world.cw.agreements.length,
      mpNeeded,
      cwReadsNeeded,
      readsIdealMs,
      applyIdealMs,
      plan,
      apply,
      againCode: again.code,
    };
  } finally {
    await close();
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const line = (name: string, run: Run) =>
  `  ${name.padEnd(28)} wall ${s(run.wallMs).padStart(8)}  ConnectWise ${String(run.cw).padStart(6)} req (${run.cwWrites} writes)  Mailprotector ${String(run.mp).padStart(6)} req  exit ${run.code}\n`;

if (flow === 'nightly') {
  process.stdout.write(
    `cwsync nightly benchmark: ${latencyMs} ms latency, Mailprotector rate ${mpRate === 'default' ? 'the default (5/s)' : `${mpRate}/s`}\n`,
  );
  for (const n of sizes) {
    const r = await nightly(n);
    const old = r.oldPlan.wallMs + r.oldApply.wallMs;
    const now = r.usage.wallMs + r.plan.wallMs + r.apply.wallMs;
    process.stdout.write(`\n${n} customers (${r.agreements} agreements)\n`);
    process.stdout.write(line('before: plan --out', r.oldPlan) + line('before: apply (plans again)', r.oldApply));
    process.stdout.write(
      line('now: usage --format json', r.usage) +
        line('now: plan --usage-snapshot', r.plan) +
        line('now: apply --plan', r.apply),
    );
    process.stdout.write(line('pull request: plan from snapshot', r.pr));
    process.stdout.write(
      `  nightly: before ${s(old)}, now ${s(now)}; now / one Mailprotector read (usage) = ${(now / r.usage.wallMs).toFixed(2)} (target <= 1.10)\n`,
    );
  }
  process.exit(0);
}

process.stdout.write(
  `cwsync scale benchmark: ${DEFAULT_SCENARIO.userGroupsPerCustomer} user groups/customer, ${DEFAULT_SCENARIO.services} mapped services, ${latencyMs} ms latency on both fake servers, concurrency ${concurrency} per API\n`,
);
for (const n of sizes) {
  const r = await bench(n);
  process.stdout.write(`\n${n} customers (${r.agreements} agreements)\n`);
  const runs: Array<[string, Run, number]> = [['plan ', r.plan, r.readsIdealMs]];
  if (r.apply && r.applyIdealMs !== undefined) runs.push(['apply', r.apply, r.applyIdealMs]);
  for (const [name, run, ideal] of runs) {
    process.stdout.write(
      `  ${name}  wall ${s(run.wallMs).padStart(7)}  ideal ${s(ideal).padStart(7)}  ratio ${(run.wallMs / ideal).toFixed(2)}  ` +
        `ConnectWise ${String(run.cw).padStart(6)} req (${run.cwWrites} writes)  Mailprotector ${String(run.mp).padStart(6)} req  peak RSS ${run.rssMb.toFixed(0)} MB  CPU ${s(run.cpuMs)} (fake servers ${s(run.fakesCpuMs)})  exit ${run.code}\n`,
    );
    if (run.memory)
      process.stdout.write(
        `    memory (s: rss/heapUsed/heapTotal/external MB): ${run.memory.map(([t, ...m]) => `${(t! / 1000).toFixed(1)}: ${m.join('/')}`).join('  ')}\n`,
      );
  }
  const cwPlanReads = r.plan.cw;
  const overhead = cwPlanReads - r.agreements;
  const target = n === 2000 ? ` (target at 2,000 customers: at most 20: ${overhead <= 20 ? 'met' : 'MISSED'})` : '';
  process.stdout.write(
    `  ConnectWise reads for plan: ${cwPlanReads} = one per agreement + ${overhead} for counts and company, agreement and catalog pages${target}; unavoidable: Mailprotector ${r.mpNeeded}, ConnectWise reads ${r.cwReadsNeeded}\n`,
  );
  if (r.againCode !== undefined)
    process.stdout.write(
      `  plan after apply: ${r.againCode === 0 ? 'no changes' : `exit ${r.againCode} (NOT converged)`}\n`,
    );
}
