#!/usr/bin/env node
// Runs each argument as a shell command, all at once, and prints each one's output whole when it
// ends (never interleaved); exits 1 if any failed, naming which. `npm test` runs its independent
// checks so: on 2 cores they take the time of the longest, not of all four in turn.
import { spawn } from 'node:child_process';

const commands = process.argv.slice(2);
const results = await Promise.all(
  commands.map(
    (command) =>
      new Promise((resolve) => {
        const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks = [];
        child.stdout.on('data', (d) => chunks.push(d));
        child.stderr.on('data', (d) => chunks.push(d));
        child.on('close', (code, signal) => {
          process.stdout.write(`> ${command}\n${Buffer.concat(chunks).toString()}`);
          resolve({ command, ok: code === 0, signal });
        });
      }),
  ),
);
const failed = results.filter((r) => !r.ok);
for (const f of failed) console.error(`failed: ${f.command}${f.signal ? ` (${f.signal})` : ''}`);
process.exit(failed.length === 0 ? 0 : 1);
