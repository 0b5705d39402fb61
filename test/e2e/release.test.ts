/**
 * The release workflow (.github/workflows/release.yml), run step by step on a clean commit of
 * these sources: from the default branch only, it packs the package (prepack records the commit,
 * so `cwsync init` from the tarball pins the Action to it), then creates the tag and the GitHub
 * release with the tarball attached, at that commit; an existing tag is refused. `npm ci` and
 * `npm test` are stood in for (the suite is this suite); `npm pack` is the real one; `gh` is a
 * stand-in that records what it was asked and answers whether the tag exists.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanCopy } from '../helpers/clean-copy.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { runJob, workflow } from '../helpers/workflows.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const REAL_NPM = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();

const NPM = `#!/bin/sh
case "$1" in
  ci|test) echo "(stand-in: npm $1 runs in this test suite itself)"; exit 0 ;;
  pack) if [ -n "$PACKED_BEFORE" ]; then echo "(stand-in: the run before packed this commit)"; exit 0; fi ;;
esac
exec "${REAL_NPM}" "$@"
`;

const GH = `#!/bin/sh
printf '%s\\n' "$*" >> "$GH_LOG"
case "$1 $2" in
  "api repos/"*)
    if [ -n "$GH_TAG_EXISTS" ]; then echo '{"ref":"refs/tags/v${VERSION}"}'; exit 0; fi
    echo '{"message":"Not Found"}'; exit 1 ;;
  "release create")
    for a in "$@"; do case "$a" in *.tgz) test -s "$a" || { echo "no tarball $a" >&2; exit 2; } ;; esac; done
    exit 0 ;;
esac
echo "gh stand-in: not expected: $*" >&2
exit 3
`;

/** This process's environment without what `npm test` adds for its own scripts (as package.test.ts). */
function runnerEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && (!k.startsWith('npm_') || /^npm_config_(cache|registry|userconfig)$/i.test(k))) env[k] = v;
  return { ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, npm_config_offline: 'true', ...extra };
}

describe('the release workflow', () => {
  it('from the default branch: packs the commit, tags it and attaches the tarball; an existing tag or another branch is refused', {
    timeout: 300_000,
  }, async () => {
    const work = tempDir('cwsync release ');
    const source = join(work, 'source');
    const commit = cleanCopy(source);
    const gh = join(work, 'gh-bin');
    execFileSync('mkdir', ['-p', gh]);
    writeFileSync(join(gh, 'gh'), GH);
    chmodSync(join(gh, 'gh'), 0o755);
    const log = join(work, 'gh.log');
    const job = workflow('release.yml').jobs.release!;
    const release = (ref: string, extra: Record<string, string> = {}) =>
      runJob(job, {
        cwd: source,
        cacheDir: tempDir('cwsync-cache-'),
        npm: NPM,
        secrets: {},
        env: { GITHUB_REF: ref, GITHUB_SHA: commit, GITHUB_REPOSITORY: 'cwsync/cwsync', GITHUB_ACTIONS: 'true' },
        baseEnv: runnerEnv({ GH_LOG: log, PATH: `${gh}:${dirname(process.execPath)}:${process.env.PATH}`, ...extra }),
        github: { token: 'ghs_release', sha: commit, event: { repository: { default_branch: 'main' } } },
      });
    const asked = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

    // Another branch: refused before anything is packed or asked.
    const branch = await release('refs/heads/feature');
    expect(branch.results.map((r) => [r.step, r.code])).toEqual([['Only from the default branch', 1]]);
    expect(branch.results[0]!.output).toContain('releases are made from the default branch (main) only');
    expect(asked()).toEqual([]);

    const made = await release('refs/heads/main');
    expect(
      made.results.map((r) => [r.step, r.code]),
      made.results.map((r) => r.output).join('\n'),
    ).toEqual([
      ['Only from the default branch', 0],
      ['Install (no install scripts), build and test', 0],
      ['Pack', 0],
      ['Tag and publish the GitHub release with the tarball', 0],
    ]);
    const tarball = `cwsync-${VERSION}.tgz`;
    const packed = JSON.parse(
      execFileSync('tar', ['-xzOf', join(source, tarball), 'package/dist/release.json'], { encoding: 'utf8' }),
    );
    expect(packed).toEqual({ commit });
    const calls = asked();
    expect(calls[0]).toBe(`api repos/cwsync/cwsync/git/ref/tags/v${VERSION}`);
    expect(calls[1]).toMatch(
      new RegExp(
        `^release create v${VERSION} ${tarball} --repo cwsync/cwsync --target ${commit} --title cwsync ${VERSION} --notes `,
      ),
    );
    expect(calls[1]).toContain(`cwsync/cwsync@${commit}`);
    expect(calls).toHaveLength(2);

    // The tag exists already: refused, no release made. (Its pack is a stand-in: the real one,
    // with a full build, ran above on the same commit and left the tarball.)
    const again = await release('refs/heads/main', { GH_TAG_EXISTS: '1', PACKED_BEFORE: '1' });
    expect(again.results.find((r) => r.step === 'Pack')!.output).toContain('stand-in');
    const publish = again.results.at(-1)!;
    expect([publish.step, publish.code]).toEqual(['Tag and publish the GitHub release with the tarball', 1]);
    expect(publish.output).toContain(`the tag v${VERSION} exists already`);
    expect(asked().filter((c) => c.startsWith('release create'))).toHaveLength(1);
  });
});
