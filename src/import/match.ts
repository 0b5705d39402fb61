/**
 * Matches one Mailprotector customer to ConnectWise companies. Exact normalised names first
 * (a unique one is accepted); otherwise the best score is accepted only when it reaches
 * ACCEPT and no other company comes within MARGIN of it. Anything weaker is left for review or
 * reported unmatched with the closest company. Pure: no I/O.
 */
import { domainLabel, type NormalName, normalizeIdentifier, normalizeName } from './normalize.js';
import { flagLookAlike, nameSimilarity } from './similarity.js';
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

interface CompanyIndex {
  /** By word start or compact-name start. */
  byBlock: Map<string, IndexedCompany[]>;
  /** By compact name and identifier, for mail domain labels and a name equal to an identifier. */
  byText: Map<string, IndexedCompany[]>;
  /** By normalised name. */
  byKey: Map<string, IndexedCompany[]>;
}

function indexCompanies(companies: ImportCompany[]): CompanyIndex {
  const index: CompanyIndex = { byBlock: new Map(), byText: new Map(), byKey: new Map() };
  for (const company of companies) {
    const c = { company, name: normalizeName(company.name), identifier: normalizeIdentifier(company.identifier) };
    if (c.name.key) push(index.byKey, c.name.key, c);
    for (const b of new Set(blocksOf(c.name))) push(index.byBlock, b, c);
    if (c.name.compact.length >= 4) push(index.byText, c.name.compact, c);
    if (c.identifier.length >= 4 && c.identifier !== c.name.compact) push(index.byText, c.identifier, c);
  }
  return index;
}

/** Each mail domain's label (contoso of contoso.com), the first domain that gave it. */
function domainLabels(domains: string[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const d of domains) {
    const label = domainLabel(d);
    if (label && !labels.has(label)) labels.set(label, d);
  }
  return labels;
}

/** The companies worth scoring: same name, a shared word start (the smallest block always), or a domain or identifier hit. */
function poolOf(index: CompanyIndex, name: NormalName, labels: Map<string, string>): Set<IndexedCompany> {
  const pool = new Set<IndexedCompany>(index.byKey.get(name.key) ?? []);
  const blocks = [...new Set(blocksOf(name))]
    .map((b) => index.byBlock.get(b) ?? [])
    .filter((list) => list.length > 0)
    .sort((a, b) => a.length - b.length);
  for (const [i, list] of blocks.entries()) {
    if (i > 0 && list.length > MAX_BLOCK) break;
    for (const c of list) pool.add(c);
  }
  for (const text of [...labels.keys(), name.compact]) for (const c of index.byText.get(text) ?? []) pool.add(c);
  return pool;
}

/** Indexes the companies once; each customer is then compared with the few that share a word start. */
export function createMatcher(companies: ImportCompany[]): Matcher {
  const index = indexCompanies(companies);
  return {
    match(customer) {
      const name = normalizeName(customer.name);
      const labels = domainLabels(customer.domains);
      const ranked = [...poolOf(index, name, labels)]
        .map((c) => score(name, labels, c))
        .filter((c) => c.score > 0)
        .sort(
          (a, b) => b.score - a.score || a.company.name.localeCompare(b.company.name) || a.company.id - b.company.id,
        );
      return flagLookAlike(customer.name, decide(ranked));
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

/** Several companies of exactly this name: accepted only when evidence backs one of them alone. */
function decideSameName(exact: Candidate[]): CompanyMatch {
  const backed = exact.filter((c) => c.evidence.length > 0);
  if (backed.length !== 1) {
    const best = exact[0]!;
    const rivals = exact.filter((c) => c !== best);
    return { verdict: 'review', best, rivals, how: describeHow(best), why: `${exact.length} companies have this name` };
  }
  const best = backed[0]!;
  const told = best.evidence
    .map((e) => (e.kind === 'domain' ? `mail domain ${e.domain}` : 'the identifier'))
    .join(' and ');
  return {
    verdict: 'accepted',
    best,
    rivals: exact.filter((c) => c !== best),
    how: `same name; ${told} tells apart ${exact.length} companies of this name`,
  };
}

/** No exact name: the best score decides, if it is high enough and far enough ahead. */
function decideByScore(ranked: Candidate[]): CompanyMatch {
  const best = ranked[0];
  if (!best || best.score < REVIEW) {
    const closest = best && best.score >= CLOSEST ? best : undefined;
    return {
      verdict: 'unmatched',
      best: closest,
      rivals: [],
      how: closest ? describeHow(closest) : 'no company comes near',
    };
  }
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

function decide(ranked: Candidate[]): CompanyMatch {
  const exact = ranked.filter((c) => c.nameScore === 1);
  if (exact.length > 1) return decideSameName(exact);
  if (exact.length === 0) return decideByScore(ranked);
  const best = exact[0]!;
  return {
    verdict: 'accepted',
    best,
    rivals: ranked.filter((c) => c !== best && worthNaming(c)).slice(0, 2),
    how: describeHow(best),
  };
}
