/**
 * Matches one Mailprotector customer to ConnectWise companies. Exact normalised names first
 * (a unique one is accepted); otherwise the best score is accepted only when it reaches
 * ACCEPT and no other company comes within MARGIN of it. Anything weaker is left for review or
 * reported unmatched with the closest company. Pure: no I/O.
 */
import { domainLabel, type NormalName, normalizeIdentifier, normalizeName } from './normalize.js';
import { nameSimilarity } from './similarity.js';
import type { Candidate, CompanyMatch, Evidence, ImportCompany, ImportCustomer } from './types.js';

/** A score from here on is a proposal written active (if nothing else is in doubt). */
export const ACCEPT = 0.9;
/** From here on a company is proposed, commented out, for a person to decide. */
export const REVIEW = 0.7;
/** The best must lead the next company by this much to be accepted. */
export const MARGIN = 0.05;
/** An unmatched customer names its closest company from here on. */
const CLOSEST = 0.5;
/** A matching domain or identifier lifts a name to at least ACCEPT + this. */
const EVIDENCE_LIFT = 0.05;
/**
 * A word start shared by more companies than this ("den" of Dental, "gro" of Group) says
 * little and would make matching quadratic: such blocks are skipped unless a name has no other.
 */
const MAX_BLOCK = 200;

interface IndexedCompany {
  company: ImportCompany;
  name: NormalName;
  identifier: string;
}

export interface Matcher {
  match(customer: ImportCustomer): CompanyMatch;
}

const blocksOf = (n: NormalName) => [
  ...n.tokens.filter((t) => t.length >= 3).map((t) => `w:${t.slice(0, 3)}`),
  ...(n.compact.length >= 4 ? [`c:${n.compact.slice(0, 4)}`] : []),
];

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Indexes the companies once; each customer is then compared with the few that share a word start. */
export function createMatcher(companies: ImportCompany[]): Matcher {
  const indexed: IndexedCompany[] = companies.map((company) => ({
    company,
    name: normalizeName(company.name),
    identifier: normalizeIdentifier(company.identifier),
  }));
  const byBlock = new Map<string, IndexedCompany[]>();
  const byText = new Map<string, IndexedCompany[]>();
  const byKey = new Map<string, IndexedCompany[]>();
  for (const c of indexed) {
    if (c.name.key) push(byKey, c.name.key, c);
    for (const b of new Set(blocksOf(c.name))) push(byBlock, b, c);
    if (c.name.compact.length >= 4) push(byText, c.name.compact, c);
    if (c.identifier.length >= 4 && c.identifier !== c.name.compact) push(byText, c.identifier, c);
  }

  return {
    match(customer) {
      const name = normalizeName(customer.name);
      const labels = new Map<string, string>();
      for (const d of customer.domains) {
        const label = domainLabel(d);
        if (label && !labels.has(label)) labels.set(label, d);
      }
      const pool = new Set<IndexedCompany>(byKey.get(name.key) ?? []);
      const blocks = [...new Set(blocksOf(name))]
        .map((b) => byBlock.get(b) ?? [])
        .filter((list) => list.length > 0)
        .sort((a, b) => a.length - b.length);
      for (const [i, list] of blocks.entries()) {
        if (i > 0 && list.length > MAX_BLOCK) break;
        for (const c of list) pool.add(c);
      }
      for (const label of labels.keys()) for (const c of byText.get(label) ?? []) pool.add(c);
      for (const c of byText.get(name.compact) ?? []) pool.add(c);
      const ranked = [...pool]
        .map((c) => score(name, labels, c))
        .filter((c) => c.score > 0)
        .sort(
          (a, b) => b.score - a.score || a.company.name.localeCompare(b.company.name) || a.company.id - b.company.id,
        );
      return decide(ranked);
    },
  };
}

function score(name: NormalName, labels: Map<string, string>, c: IndexedCompany): Candidate {
  const nameScore = nameSimilarity(name, c.name);
  const evidence: Evidence[] = [];
  for (const [label, domain] of labels) {
    if (label === c.name.compact || label === c.identifier) {
      evidence.push({ kind: 'domain', domain });
      break;
    }
  }
  if (name.compact.length >= 4 && name.compact === c.identifier) evidence.push({ kind: 'identifier' });
  const lifted = evidence.length > 0 ? Math.min(0.99, Math.max(nameScore, ACCEPT) + EVIDENCE_LIFT) : nameScore;
  return { company: c.company, nameScore, evidence, score: nameScore === 1 ? 1 : lifted };
}

/** A score as shown: cut, not rounded, to two places, so 0.899 never reads as the 0.90 it missed. */
export const showScore = (score: number) => (Math.floor(score * 100 + 1e-9) / 100).toFixed(2);

function describeHow(c: Candidate): string {
  if (c.nameScore === 1) return 'same name';
  const parts = [c.nameScore === 0.98 ? 'same name but for spacing' : `similar name (${showScore(c.nameScore)})`];
  for (const e of c.evidence)
    parts.push(
      e.kind === 'domain' ? `mail domain ${e.domain} matches the company` : 'name equals the company identifier',
    );
  return parts.join(', ');
}

const worthNaming = (c: Candidate) => c.score >= REVIEW;

function decide(ranked: Candidate[]): CompanyMatch {
  const exact = ranked.filter((c) => c.nameScore === 1);
  if (exact.length === 1) {
    const best = exact[0]!;
    return {
      verdict: 'accepted',
      best,
      rivals: ranked.filter((c) => c !== best && worthNaming(c)).slice(0, 2),
      how: describeHow(best),
    };
  }
  if (exact.length > 1) {
    const backed = exact.filter((c) => c.evidence.length > 0);
    const best = backed.length === 1 ? backed[0]! : exact[0]!;
    const rivals = exact.filter((c) => c !== best);
    if (backed.length === 1)
      return {
        verdict: 'accepted',
        best,
        rivals,
        how: `same name; ${best.evidence.map((e) => (e.kind === 'domain' ? `mail domain ${e.domain}` : 'the identifier')).join(' and ')} tells apart ${exact.length} companies of this name`,
      };
    return { verdict: 'review', best, rivals, how: describeHow(best), why: `${exact.length} companies have this name` };
  }
  const best = ranked[0];
  if (!best || best.score < REVIEW)
    return {
      verdict: 'unmatched',
      best: best && best.score >= CLOSEST ? best : undefined,
      rivals: [],
      how: best && best.score >= CLOSEST ? describeHow(best) : 'no company comes near',
    };
  const second = ranked[1];
  const rivals = ranked.slice(1).filter(worthNaming).slice(0, 2);
  if (best.score < ACCEPT)
    return { verdict: 'review', best, rivals, how: describeHow(best), why: `score below ${showScore(ACCEPT)}` };
  if (second && best.score - second.score < MARGIN)
    return {
      verdict: 'review',
      best,
      rivals,
      how: describeHow(best),
      why: `${second.company.name} scores nearly as well (${showScore(second.score)})`,
    };
  return { verdict: 'accepted', best, rivals, how: describeHow(best) };
}
