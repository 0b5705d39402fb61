/**
 * The files of a new config repository: the templates shipped in templates/init/, with this
 * cwsync's version and GitHub repository filled in, so the workflows run exactly the version
 * that made them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type PackageInfo, packageInfo } from './package-info.js';

export interface ScaffoldFile {
  /** Relative to the new repository's root, with forward slashes. */
  path: string;
  content: string;
}

const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/init/', import.meta.url));

/** Template (under templates/init/) -> where it goes. Dot-names are renamed: npm drops .gitignore files. */
const FILES: ReadonlyArray<readonly [template: string, target: string]> = [
  ['config/cwsync.yaml', 'config/cwsync.yaml'],
  ['config/services.yaml', 'config/services.yaml'],
  ['config/customers.yaml', 'config/customers.yaml'],
  ['workflows/cwsync-plan.yml', '.github/workflows/cwsync-plan.yml'],
  ['workflows/cwsync-apply.yml', '.github/workflows/cwsync-apply.yml'],
  ['README.md', 'README.md'],
  ['gitignore', '.gitignore'],
];

/** The values the templates' %%NAME%% placeholders stand for. */
export function templateValues(info: PackageInfo): Record<string, string> {
  const tag = `v${info.version}`;
  const ref = info.commit ?? tag;
  return {
    VERSION: info.version,
    ACTION: info.repository,
    // Pinned by commit (SPEC section 6): the commit the package was packed from, the checkout's
    // HEAD, or `init --action`; the comment beside it names the version. Only when no commit is
    // known, the version tag (init says so).
    ACTION_REF: ref,
    HOMEPAGE: `https://github.com/${info.repository}`,
    DOCS: `https://github.com/${info.repository}/blob/${ref}/docs/setup.md`,
    SCHEMA_BASE: `https://raw.githubusercontent.com/${info.repository}/${ref}/schema`,
  };
}

function fillTemplate(text: string, values: Record<string, string>, name: string): string {
  const filled = text.replace(/%%([A-Z_]+)%%/g, (whole, key: string) => values[key] ?? whole);
  const left = /%%[A-Z_]+%%/.exec(filled);
  if (left) throw new Error(`template ${name} has an unknown placeholder ${left[0]}: the package is damaged`);
  return filled;
}

export function scaffoldFiles(info: PackageInfo = packageInfo()): ScaffoldFile[] {
  const values = templateValues(info);
  return FILES.map(([template, target]) => ({
    path: target,
    content: fillTemplate(readFileSync(`${TEMPLATE_DIR}${template}`, 'utf8'), values, template),
  }));
}
