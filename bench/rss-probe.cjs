// Preloaded into the measured CLI process: reports its peak resident set size and CPU time
// (user + system) on exit. With BENCH_MEMORY_EVERY_MS set, also how memory went over the run
// (rss, heap used, heap total, external, in MB, every that many ms), to see where the peak is.
const every = Number(process.env.BENCH_MEMORY_EVERY_MS ?? 0);
const started = Date.now();
const samples = [];
if (every > 0) {
  const mb = (n) => Math.round(n / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    samples.push([Date.now() - started, mb(m.rss), mb(m.heapUsed), mb(m.heapTotal), mb(m.external)]);
  }, every).unref();
}
process.on('exit', () => {
  const u = process.resourceUsage();
  const report = { benchMaxRssKb: u.maxRSS, benchCpuUs: u.userCPUTime + u.systemCPUTime };
  if (every > 0) report.benchMemory = samples;
  process.stderr.write(`${JSON.stringify(report)}\n`);
});
