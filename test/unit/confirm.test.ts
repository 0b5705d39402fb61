/** The question apply asks on a terminal: only a clear yes applies. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { canAsk, confirm } from '../../src/cli/confirm.js';

async function answer(input: string | null): Promise<{ yes: boolean; asked: string }> {
  const io = { input: new PassThrough(), output: new PassThrough() };
  let asked = '';
  io.output.on('data', (d: Buffer) => {
    asked += d.toString();
  });
  const result = confirm('Apply these 4 changes to the billing system?', io);
  if (input === null) io.input.end();
  else io.input.write(input);
  return { yes: await result, asked };
}

describe('confirm', () => {
  it.each([
    ['y\n', true],
    ['YES\n', true],
    [' yes \n', true],
    ['\n', false],
    ['n\n', false],
    ['yes please\n', false],
    ['yy\n', false],
  ])('%j -> %s', async (input, expected) => {
    const { yes, asked } = await answer(input);
    expect(yes).toBe(expected);
    expect(asked).toBe('Apply these 4 changes to the billing system? [y/N] ');
  });

  it('the end of input is a no', async () => {
    expect((await answer(null)).yes).toBe(false);
  });

  it('asks only when both stdin and stdout are terminals', () => {
    expect(canAsk({ stdin: { isTTY: true }, stdout: { isTTY: true } })).toBe(true);
    expect(canAsk({ stdin: { isTTY: false }, stdout: { isTTY: true } })).toBe(false);
    expect(canAsk({ stdin: {}, stdout: { isTTY: true } })).toBe(false);
    expect(canAsk({ stdin: { isTTY: true }, stdout: {} })).toBe(false);
  });
});
