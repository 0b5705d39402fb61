import { actionOverride, packageInfo } from '../../init/package-info.js';
import { scaffoldFiles, templateValues } from '../../init/scaffold.js';
import { writeScaffold } from '../../init/write.js';
import type { ExitCode } from '../run.js';

export async function initCommand(dir: string | undefined, opts: { action?: string } = {}): Promise<ExitCode> {
  const target = dir ?? '.';
  const info = opts.action ? actionOverride(packageInfo(), opts.action) : packageInfo();
  const { written, skipped } = writeScaffold(target, scaffoldFiles(info));
  const out = process.stdout;
  const pin = info.commit ? `${info.repository}@${info.commit}` : `${info.repository}@v${info.version}`;
  out.write(`cwsync init: a config repository in ${target}, pinned to cwsync ${info.version} (${pin})\n\n`);
  if (!info.commit)
    process.stderr.write(
      `warning: no commit is known for this cwsync, so the workflows name the tag v${info.version}, which can move; pin a commit with cwsync init --action ${info.repository}@<commit>\n`,
    );
  if (info.commit && info.pushed === false)
    process.stderr.write(
      `warning: the workflows pin ${pin}, the HEAD of the cwsync clone init runs from, and no remote branch holds it yet; GitHub can run it only once it is pushed to github.com/${info.repository} (or pin a pushed commit with cwsync init --action OWNER/REPO@COMMIT)\n`,
    );
  for (const path of written) out.write(`  created  ${path}\n`);
  for (const path of skipped) out.write(`  skipped  ${path} (it exists; left as it is)\n`);
  if (written.length === 0) out.write('\nNothing written: every file exists already.\n');
  const docs = templateValues(info).DOCS;
  out.write(
    [
      '',
      'Next:',
      `  1. Replace every value marked CHANGE ME in ${target === '.' ? '' : `${target}/`}config/.`,
      '  2. Commit it to a private GitHub repository. Create its environments billing and cwsync-approval',
      '     (Settings > Environments), then add the secrets as the set-up guide says: in the billing',
      '     environment CW_PUBLIC_KEY, CW_PRIVATE_KEY and MP_API_KEY; as a repository secret CW_CLIENT_ID.',
      '  3. With those four exported: cwsync doctor --config config, then cwsync import --config config.',
      `The set-up guide: ${docs}`,
      '',
    ].join('\n'),
  );
  return 0;
}
