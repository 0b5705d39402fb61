/**
 * `cwsync explain CUSTOMER` against the sandbox, in process: how each quantity comes about, the
 * agreement's lines managed and not, and what the next plan would do, from the same pipeline
 * as plan (so its numbers are the plan's).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { demoWorld } from '../../src/sandbox/demo-data.js';
import { type Scene, startScene, writes } from '../helpers/scene.js';

let scene: Scene | undefined;
afterEach(async () => {
  await scene?.close();
  scene = undefined;
});

describe('cwsync explain', () => {
  it('Contoso: groups -> services -> products, the override, desired quantities, its lines, the next change', async () => {
    scene = await startScene();
    const out = await scene.run(['explain', 'contoso ltd', '--config', 'config']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const text = out.stdout;
    expect(text).toMatch(/^Contoso Ltd \(customer 7114 in Mailprotector\), bound at .*customers\.yaml:\d+\n/);
    expect(text).toContain('  billed on CONTOSO / Email Security (agreement 1234)');
    expect(text).toMatch(
      /Staff +56 users +CloudFilter, SafeSend +-> MP-CLOUDFILTER \(CloudFilter\); MP-SAFESEND \(SafeSend\)/,
    );
    expect(text).toMatch(
      /Interns +9 users +CloudFilter, SafeSend, SecureStore +-> MP-CLOUDFILTER \(CloudFilter\); MP-SAFESEND \(SafeSend\); SecureStore: not in services.yaml, not billed/,
    );
    expect(text).toMatch(/SafeSend: minimum 25 +no effect: usage is 65/);
    expect(text).toMatch(/MP-CLOUDFILTER +69 +CloudFilter: 69 users in 3 user groups/);
    expect(text).toMatch(/line \d+ +M365-BP "Microsoft 365 Business Premium" +x12 +\$22\.00 +not managed/);
    expect(text).toMatch(/line \d+ +MP-CLOUDFILTER "Mailprotector CloudFilter" +x60 +\$3\.50 +managed/);
    expect(text).toContain('    update MP-CLOUDFILTER 60 -> 69  +$31.50  (CloudFilter: 69 users in 3 user groups)');
    expect(text).toContain('    unchanged: MP-SAFESEND');
    expect(writes(scene)).toEqual([]);
  });

  it('Tailspin: the bundle, the skip override, and a line left alone', async () => {
    scene = await startScene();
    const text = (await scene.run(['explain', 'Tailspin Toys', '--config', 'config'])).stdout;
    expect(text).toMatch(/Secure +30 users +Bracket, CloudFilter, SafeSend +-> MP-BRACKET-BUNDLE \(Bracket Bundle\)/);
    expect(text).toMatch(/CloudMail: skip +MP-CLOUDMAIL left alone on this agreement/);
    expect(text).toContain('    MP-CLOUDMAIL: skipped by override, never written here');
    expect(text).toMatch(/MP-CLOUDMAIL "Mailprotector CloudMail" +x3 +\$5\.00 +not managed/);
    expect(text).toContain('    update MP-BRACKET-BUNDLE 28 -> 30');
  });

  it('after apply: the next plan changes nothing there, said once', async () => {
    scene = await startScene();
    expect((await scene.run(['apply', '--yes', '--config', 'config'])).code).toBe(0);
    const text = (await scene.run(['explain', 'Contoso Ltd', '--config', 'config'])).stdout;
    expect(text.slice(text.indexOf('The next plan:'))).toBe(
      'The next plan:\n    no change on this agreement (unchanged: MP-CLOUDFILTER, MP-SAFESEND)\n',
    );
  });

  it('a customer bound to no binding is an error that says how to bind it', async () => {
    scene = await startScene();
    const out = await scene.run(['explain', 'Litware', '--config', 'config']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('error: no binding names "Litware"');
    expect(out.stderr).toContain('cwsync import proposes one');
    expect(scene.sandbox.cw.requests).toEqual([]);
  });
});

describe('text from the APIs reaches the terminal escaped', () => {
  it('a user group name and a line description holding control and bidi characters: explain, the text plan and the comment show them as \\uXXXX', async () => {
    const world = demoWorld();
    const staff = world.mp.userGroups.find((g) => g.name === 'Staff')!;
    staff.name = 'Sta\u202Eff\u001b[2J';
    const m365 = world.cw.additions.find((a) => a.description === 'Microsoft 365 Business Premium')!;
    m365.description = 'Microsoft 365\u001b]0;owned\u0007 \u200BPremium';
    scene = await startScene({ world });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    const hidden = /[\u0000-\u001f\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069]/;
    const explained = (await scene.run(['explain', 'Contoso Ltd', '--config', 'config'])).stdout;
    const plan = (await scene.run(['plan', '--config', 'config'])).stdout;
    const comment = (await scene.run(['plan', '--config', 'config', '--format', 'markdown'])).stdout;
    for (const [name, out] of [
      ['explain', explained],
      ['plan', plan],
      ['comment', comment],
    ] as const) {
      for (const line of out.split('\n')) expect(line, `${name}: ${JSON.stringify(line)}`).not.toMatch(hidden);
      // The comment escapes markdown besides (a backslash is doubled): the escapes are there all the same.
      if (name === 'comment') expect(out).toMatch(/Microsoft 365\\+u001B\\*\]0;owned\\+u0007 \\+u200BPremium/);
      else expect(out, name).toContain('"Microsoft 365\\u001B]0;owned\\u0007 \\u200BPremium"');
    }
    expect(explained).toMatch(/Sta\\u202Eff\\u001B\[2J +56 users/);
  });
});
