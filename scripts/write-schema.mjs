// npm run schema: writes each registered adapter's settings schema into the published
// schema/cwsync.schema.json (a target's at the top under its key, a usage source's under
// usage:), so editors complete them. test/unit/schema-published.test.ts checks it is current.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { registered } = await import(new URL('../dist/adapters/registry.js', import.meta.url).href);
const path = `${root}schema/cwsync.schema.json`;
const schema = JSON.parse(readFileSync(path, 'utf8'));
const core = new Set(['usage', 'policy']);
const properties = Object.fromEntries(Object.entries(schema.properties).filter(([key]) => core.has(key)));
for (const t of registered.targets) properties[t.key] = t.settingsSchema;
const usage = { ...properties.usage, properties: {} };
for (const s of registered.sources) usage.properties[s.key] = s.settingsSchema;
properties.usage = usage;
schema.properties = Object.fromEntries(
  [...registered.targets.map((t) => t.key), 'usage', 'policy'].map((key) => [key, properties[key]]),
);
writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
execFileSync('npx', ['biome', 'format', '--write', path], { cwd: root, stdio: 'inherit' });
