/**
 * `apply` without a saved plan asks before it writes, as Terraform does: on a terminal it shows
 * the plan and asks; without one it needs --yes (Terraform's -auto-approve), so a script or a
 * job can never write a plan nobody saw by forgetting a flag.
 */
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { RefusedError } from '../errors.js';

/** A person can answer: both stdin and stdout are a terminal. */
export function canAsk(streams: { stdin: { isTTY?: boolean }; stdout: { isTTY?: boolean } } = process): boolean {
  return Boolean(streams.stdin.isTTY && streams.stdout.isTTY);
}

export function refuseWithoutYes(): never {
  throw new RefusedError(
    'apply without --plan asks before it writes, and there is no terminal to ask on; nothing was read or written',
    {
      hint: "review a saved plan and apply exactly that (cwsync plan --out plan.json, then cwsync apply --plan plan.json), or pass --yes to apply what this run plans without asking (Terraform's -auto-approve)",
    },
  );
}

/** Asks `question`; true only for "y" or "yes" (any case). End of input is "no". */
export async function confirm(
  question: string,
  io: { input: Readable; output: Writable } = { input: process.stdin, output: process.stdout },
): Promise<boolean> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: false });
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    const answer = await Promise.race([rl.question(`${question} [y/N] `), closed]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

export function refuseNotConfirmed(): never {
  throw new RefusedError('not confirmed; nothing was written', {
    hint: 'answer "y" to apply, or save the plan (cwsync plan --out plan.json) and apply it later with --plan',
  });
}
