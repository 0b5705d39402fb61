/**
 * An `npx` for workflow steps whose `npx cwsync ...` runs in this process (in-process.ts)
 * instead of spawning Node: the step's arguments, environment and working directory go to a
 * small server on 127.0.0.1 here, and what the command wrote comes back in the order it was
 * written, each chunk to the stream it was written to (so `> log 2>&1` reads as from the
 * binary), with its exit code. A workflow job runs a dozen commands; each spawned CLI costs
 * about a CPU-second. The binary itself is proven by the package and start-up tests.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runInProcess } from './in-process.js';

let started: Promise<{ server: Server; origin: string }> | undefined;

afterAll(async () => {
  const s = await started;
  started = undefined;
  if (s) await new Promise<void>((resolve) => s.server.close(() => resolve()));
});

const nulSeparated = (text: string) => text.split('\0').filter((part, i, all) => part !== '' || i < all.length - 1);

/** Runs the command described in `dir` (written by the shim) and leaves its output there. */
async function serve(dir: string): Promise<number> {
  const args = nulSeparated(readFileSync(join(dir, 'args'), 'utf8'));
  const env: Record<string, string> = {};
  for (const entry of nulSeparated(readFileSync(join(dir, 'env'), 'utf8'))) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const result = await runInProcess(args, { cwd: readFileSync(join(dir, 'cwd'), 'utf8'), exactEnv: env });
  for (const [i, chunk] of result.chunks.entries()) {
    const name = `${String(i).padStart(6, '0')}.${chunk.stream === 'stdout' ? 'out' : 'err'}`;
    writeFileSync(join(dir, name), chunk.text);
  }
  return result.code;
}

function start(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const dir = new URL(req.url ?? '/', 'http://x').searchParams.get('dir');
    if (!dir) return void res.writeHead(400).end();
    serve(dir).then(
      (code) => res.writeHead(200).end(String(code)),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/** The text of an `npx` script: `npx cwsync ARGS` runs here; anything else fails (exit 127). */
export async function inProcessNpx(): Promise<string> {
  started ??= start();
  const { origin } = await started;
  return `#!/bin/sh
if [ "$1" != cwsync ]; then echo "npx shim: only cwsync" >&2; exit 127; fi
shift
d=$(mktemp -d)
for a in "$@"; do printf '%s\\0' "$a"; done > "$d/args"
env -0 > "$d/env"
printf '%s' "$PWD" > "$d/cwd"
if ! curl -sSf -o "$d/code" "${origin}/run?dir=$d"; then echo "npx shim: the in-process cwsync did not answer" >&2; exit 70; fi
for f in "$d"/[0-9]*; do
  case "$f" in
    *.out) cat "$f" ;;
    *.err) cat "$f" >&2 ;;
  esac
done
code=$(cat "$d/code")
rm -rf "$d"
exit "$code"
`;
}
