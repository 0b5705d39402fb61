/**
 * Which agreement of a company a proposed binding bills: the only active one, or the one
 * whose name or type matches the user's pattern (`--agreement "Email*"`); otherwise none,
 * and the candidates are listed for the user.
 */
import type { AgreementChoice, ImportAgreement } from './types.js';

/** A shell-style glob (`*`, `?`), whole-string and case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'iu');
}

const isActive = (a: ImportAgreement) => a.status === undefined || a.status.toLowerCase() === 'active';

/**
 * `all` = every agreement of the company that plan-time resolution can see (not cancelled):
 * an agreement whose name is shared among them is written as { id }.
 */
export function chooseAgreement(all: ImportAgreement[], pattern?: string): AgreementChoice {
  const active = all.filter(isActive).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const chosen = (agreement: ImportAgreement, how: string): AgreementChoice => ({
    kind: 'chosen',
    agreement,
    how,
    byId: all.filter((a) => a.name.toLowerCase() === agreement.name.toLowerCase()).length > 1,
  });
  if (active.length === 0)
    return {
      kind: 'open',
      candidates: [],
      why: all.length === 0 ? 'the company has no agreement' : 'the company has no active agreement',
    };
  if (pattern !== undefined) {
    const re = globToRegExp(pattern);
    const hits = active.filter((a) => re.test(a.name) || (a.type !== undefined && re.test(a.type)));
    if (hits.length === 1) return chosen(hits[0]!, `the active agreement matching "${pattern}"`);
    return {
      kind: 'open',
      candidates: hits.length > 1 ? hits : active,
      why:
        hits.length > 1
          ? `${hits.length} active agreements match "${pattern}"`
          : `no active agreement matches "${pattern}"`,
    };
  }
  if (active.length === 1) return chosen(active[0]!, 'the only active agreement');
  return {
    kind: 'open',
    candidates: active,
    why: `${active.length} active agreements; pick one, or run again with --agreement PATTERN`,
  };
}
