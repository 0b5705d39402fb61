// Preloaded into the measured CLI process: reports its peak resident set size on exit.
process.on('exit', () => {
  process.stderr.write(`${JSON.stringify({ benchMaxRssKb: process.resourceUsage().maxRSS })}\n`);
});
