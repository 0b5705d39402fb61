// Preloaded with `node --import` into a process under test: appends to the file named by
// CWSYNC_TEST_MODULES_OUT the URL of every ES module it resolves (a loader hook) and, at exit,
// every CommonJS module it loaded (require.cache), so a test can see which packages a command
// pulled in. Test-only: nothing in src/ reads that variable.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const out = process.env.CWSYNC_TEST_MODULES_OUT;
if (!out) throw new Error('loaded-modules.mjs: set CWSYNC_TEST_MODULES_OUT to the file to write');

const hooks = `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(out, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { out } });

const require = createRequire(import.meta.url);
process.on('exit', () => {
  const files = Object.keys(require.cache).map((p) => pathToFileURL(p).href);
  appendFileSync(out, `${files.join('\n')}\n`);
});
