#!/usr/bin/env node
/**
 * Re-makes the screenshots in docs/: the plan comment for the demo, the first screen of the
 * comment for 300 customers (and its end, where it is cut at the size limit), and `cwsync
 * explain` for one demo customer. Each is made from a real plan against the sandbox servers on
 * 127.0.0.1, rendered as GitHub would (markdown-it, GitHub's alert boxes, <details> folded), and
 * photographed by headless Chromium.
 *
 *   npm run build && node scripts/screenshots.mjs
 *
 * Needs Chromium (Debian: apt-get install -y chromium; or CHROMIUM=/path/to/chrome) and the dev
 * dependencies (markdown-it, typescript). Not part of npm test. Paths in the pictures are
 * relative (the config is planned from inside a temporary directory), so no machine's /tmp shows.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'docs');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  process.stderr.write(`screenshots: no Chromium at ${chromium}; apt-get install -y chromium, or set CHROMIUM\n`);
  process.exit(1);
}

// The generated 300-customer world lives in test/support (TypeScript): compile it with src.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.bench.json')], {
  stdio: 'inherit',
});
// cwsync itself from dist/ (npm run build; it finds schema/ beside it), the generator from dist-bench/.
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { planFor } = await load('dist/cli/pipeline.js');
const { loadConfig } = await load('dist/config/load.js');
const { knownAdapters } = await load('dist/adapters/registry.js');
const { silentLogger } = await load('dist/log.js');
const { renderMarkdown } = await load('dist/render/markdown.js');
const { DEMO_ENV, demoWorld } = await load('dist/sandbox/demo-data.js');
const { startSandbox } = await load('dist/sandbox/start.js');
const { DEFAULT_SCENARIO, generateScenario, scenarioConfigFiles } = await load('dist-bench/test/support/scenario.js');
const MarkdownIt = (await import('markdown-it')).default;

const HEAD = '9fceb02d0ae598e95dc970b74767f19372d61af8';
const NOT_IN_GIT = { inRepo: false, commit: null, dirty: true, changed: [] };
Object.assign(process.env, DEMO_ENV, { NO_COLOR: '1' });

/** Writes `files` into WORK/config and plans from inside WORK, so every path shown is config/... */
async function planIn(world, files) {
  const sandbox = await startSandbox(world);
  const work = mkdtempSync(join(tmpdir(), 'cwsync-shots-'));
  const here = process.cwd();
  try {
    const config = join(work, 'config');
    for (const [name, text] of Object.entries(files(sandbox))) {
      mkdirSync(dirname(join(config, name)), { recursive: true });
      writeFileSync(join(config, name), text);
    }
    process.chdir(work);
    const loaded = loadConfig('config', knownAdapters);
    if (!loaded.config) throw new Error(`config invalid: ${JSON.stringify(loaded.problems)}`);
    const planned = await planFor(loaded.config, NOT_IN_GIT, silentLogger, {});
    await planned.close();
    return planned.plan;
  } finally {
    process.chdir(here);
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const exampleFiles = (sandbox) =>
  Object.fromEntries(
    readdirSync(join(root, 'config.example')).map((name) => [
      name,
      readFileSync(join(root, 'config.example', name), 'utf8')
        .replaceAll('http://127.0.0.1:47801', sandbox.cw.origin)
        .replaceAll('http://127.0.0.1:47802', sandbox.mp.origin)
        .replace('# requestsPerSecond: 5', 'requestsPerSecond: 1000'),
    ]),
  );

/** As test/helpers/rendered-plans.ts: 300 customers, half their additions off, 40 unbound, one company mistyped. */
function bigScenario() {
  const scenario = generateScenario({ ...DEFAULT_SCENARIO, customers: 300, drift: 0.5, missing: 0.05 });
  const lines = scenario.customersYaml.split('\n').slice(1).filter(Boolean);
  const kept = lines
    .slice(0, 260)
    .map((l, i) => (i === 7 ? l.replace(/company: CUST(\d+)/, 'company: CUTS$1') : l))
    .join('\n');
  return { ...scenario, customersYaml: `customers:\n${kept}\n` };
}

const CSS = `
body { margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 "Liberation Sans", "DejaVu Sans", sans-serif; }
.comment { margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; }
.who { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; color: #59636e; }
.who b { color: #1f2328; }
.body { padding: 16px; }
h3 { font-size: 18px; margin: 0 0 12px; } h4 { font-size: 15px; margin: 18px 0 8px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #d1d9e0; padding: 4px 10px; } th { background: #f6f8fa; }
blockquote { margin: 8px 0; padding: 4px 12px; border-left: 4px solid #d1d9e0; color: #59636e; }
.alert { margin: 10px 0; padding: 6px 14px; border-left: 4px solid; }
.alert .title { font-weight: 600; margin: 0; }
.alert.NOTE { border-color: #0969da; } .alert.NOTE .title { color: #0969da; }
.alert.IMPORTANT { border-color: #8250df; } .alert.IMPORTANT .title { color: #8250df; }
.alert.WARNING { border-color: #9a6700; } .alert.WARNING .title { color: #9a6700; }
.alert.CAUTION { border-color: #d1242f; } .alert.CAUTION .title { color: #d1242f; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0969da; }
sub { color: #59636e; font-size: 12px; }
body.term { background: #0d1117; }
pre.term { margin: 0; padding: 18px 22px; background: #0d1117; color: #e6edf3; font: 13px/1.45 "DejaVu Sans Mono", monospace; white-space: pre-wrap; }
pre.term .prompt { color: #7ee787; }
`;

/** GitHub shows "> [!WARNING]" as a titled box; markdown-it shows a quote: make it the box. */
function githubAlerts(html) {
  return html.replace(/<blockquote>\n<p>\[!(NOTE|IMPORTANT|WARNING|CAUTION)\]\n?/g, (_, kind) => {
    const title = kind[0] + kind.slice(1).toLowerCase();
    return `<blockquote class="alert ${kind}"><p class="title">${title}</p><p>`;
  });
}

function commentPage(markdown) {
  const html = githubAlerts(new MarkdownIt({ html: true }).render(markdown));
  return `<!doctype html><meta charset="utf-8"><style>${CSS}</style><div class="comment"><div class="who"><b>github-actions</b> bot commented</div><div class="body">${html}</div></div>`;
}

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function terminalPage(command, output) {
  return `<!doctype html><meta charset="utf-8"><style>${CSS}</style><body class="term"><pre class="term"><span class="prompt">$</span> ${escapeHtml(command)}\n${escapeHtml(output)}</pre>`;
}

function shoot(html, file, width, height) {
  const page = join(mkdtempSync(join(tmpdir(), 'cwsync-page-')), 'page.html');
  writeFileSync(page, html);
  const out = join(docs, file);
  const r = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      '--virtual-time-budget=2000',
      `--window-size=${width},${height}`,
      `--screenshot=${out}`,
      pathToFileURL(page).href,
    ],
    { encoding: 'utf8' },
  );
  rmSync(dirname(page), { recursive: true, force: true });
  if (r.status !== 0 || !existsSync(out)) throw new Error(`chromium failed for ${file}: ${r.stderr}`);
  process.stdout.write(`wrote docs/${file} (${width}x${height})\n`);
}

/** `cwsync explain` for one demo customer, run as a user would, from inside a temporary config repository. */
async function explainOutput(customer) {
  const sandbox = await startSandbox(demoWorld());
  const work = mkdtempSync(join(tmpdir(), 'cwsync-shots-'));
  try {
    mkdirSync(join(work, 'config'));
    for (const [name, text] of Object.entries(exampleFiles(sandbox))) writeFileSync(join(work, 'config', name), text);
    // Asynchronously: the sandbox answering it runs in this process.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'dist/cli/main.js'), 'explain', customer, '--config', 'config'],
      { cwd: work, encoding: 'utf8', env: { ...process.env, CWSYNC_QUIET: '1' } },
    );
    return stdout;
  } finally {
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const demo = await planIn(demoWorld(), exampleFiles);
shoot(commentPage(renderMarkdown(demo, { headCommit: HEAD })), 'plan-comment-demo.png', 1100, 750);

const scenario = bigScenario();
const big = await planIn(scenario.world, (sandbox) =>
  scenarioConfigFiles(scenario, {
    cwUrl: sandbox.cw.apiBase,
    mpUrl: sandbox.mp.apiBase,
    concurrency: 8,
    requestsPerSecond: 1000,
  }),
);
const bigMarkdown = renderMarkdown(big, { headCommit: HEAD });
shoot(commentPage(bigMarkdown), 'plan-comment-300-customers.png', 1100, 1500);
// Its end: the verdict line, then from the folded list of every change on (where the cut falls).
const tail = bigMarkdown.slice(bigMarkdown.indexOf('#### Every change'));
const verdict = bigMarkdown.slice(0, bigMarkdown.indexOf('\n'));
shoot(commentPage(`${verdict}\n\n_(... the first screen ...)_\n\n${tail}`), 'plan-comment-300-customers-cut.png', 1100, 420);

const explained = await explainOutput('Contoso Ltd');
const lines = explained.split('\n').length + 2;
// Wide enough that no line wraps (13px DejaVu Sans Mono is about 7.9px a character).
const longest = Math.max(...explained.split('\n').map((l) => l.length));
const width = Math.max(1240, Math.ceil(longest * 8 + 60));
shoot(terminalPage('cwsync explain "Contoso Ltd" --config config', explained), 'explain-contoso.png', width, lines * 19 + 20);
