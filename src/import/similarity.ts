/**
 * How close two normalised names are, 0..1. Two measures, because each fails alone:
 * - a soft, length-weighted Dice over words: a typo in a word still counts the word
 *   (Jaro-Winkler >= 0.88), but a missing or extra word costs its length, so "Acme" is far
 *   from "Acme Logistics" although one contains the other (plain token-set ratios call that
 *   a perfect match);
 * - Jaro-Winkler over the names without spaces: catches joined or split words.
 * The words weigh more; the result stays below the 0.98 of names equal but for spacing.
 */
import { lookAlike } from '../text-hygiene.js';
import type { NormalName } from './normalize.js';
import type { CompanyMatch } from './types.js';

/** Characters of `a` matched in `b` within the window, each character of `b` used once. */
function matchWithin(a: string, b: string, window: number): { aHit: boolean[]; bHit: boolean[]; matches: number } {
  const aHit = new Array<boolean>(a.length).fill(false);
  const bHit = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const to = Math.min(b.length - 1, i + window);
    for (let j = Math.max(0, i - window); j <= to; j++) {
      if (bHit[j] || a[i] !== b[j]) continue;
      aHit[i] = true;
      bHit[j] = true;
      matches++;
      break;
    }
  }
  return { aHit, bHit, matches };
}

/** Matched characters that come in another order in `b` (each pair counted twice, as Jaro does). */
function transpositions(a: string, b: string, aHit: boolean[], bHit: boolean[]): number {
  let out = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aHit[i]) continue;
    while (!bHit[k]) k++;
    if (a[i] !== b[k]) out++;
    k++;
  }
  return out;
}

const commonPrefix = (a: string, b: string, max: number) => {
  let n = 0;
  while (n < max && n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
};

/** The Jaro-Winkler similarity of two strings, 0..1 (prefix scale 0.1, up to 4 characters). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const { aHit, bHit, matches: m } = matchWithin(a, b, window);
  if (m === 0) return 0;
  const jaro = (m / a.length + m / b.length + (m - transpositions(a, b, aHit, bHit) / 2) / m) / 3;
  return jaro + commonPrefix(a, b, 4) * 0.1 * (1 - jaro);
}

const WORD_MATCH = 0.88;

/** Two words count as one when equal, or, both 4+ characters long, nearly equal. */
function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 4 || b.length < 4) return 0;
  const s = jaroWinkler(a, b);
  return s >= WORD_MATCH ? s : 0;
}

/** Length-weighted Dice over words, each word of `a` paired with at most one of `b`. */
function wordOverlap(a: string[], b: string[]): number {
  const total = a.reduce((n, w) => n + w.length, 0) + b.reduce((n, w) => n + w.length, 0);
  if (total === 0) return 0;
  const used = new Set<number>();
  let shared = 0;
  for (const wa of [...a].sort((x, y) => y.length - x.length)) {
    let best = 0;
    let bestAt = -1;
    b.forEach((wb, j) => {
      if (used.has(j)) return;
      const s = wordSimilarity(wa, wb);
      if (s > best) {
        best = s;
        bestAt = j;
      }
    });
    if (bestAt < 0) continue;
    used.add(bestAt);
    shared += best * (wa.length + b[bestAt]!.length);
  }
  return shared / total;
}

/** 1 for the same name, 0.98 for the same but for spacing, else a weighted closeness below 0.97. */
export function nameSimilarity(a: NormalName, b: NormalName): number {
  if (a.key.length === 0 || b.key.length === 0) return 0;
  if (a.key === b.key) return 1;
  if (a.compact === b.compact) return 0.98;
  const score = 0.7 * wordOverlap(a.tokens, b.tokens) + 0.3 * jaroWinkler(a.compact, b.compact);
  return Math.min(0.97, score);
}

/**
 * A proposal whose company name reads the same as the customer's but is another string (look-alike
 * letters, invisible characters, another Unicode normalisation) is never accepted silently:
 * normalising made them equal, a reviewer could not tell them apart, and one of them may be an
 * impostor. It is left for review, saying why with both names escaped.
 */
export function flagLookAlike(customerName: string, m: CompanyMatch): CompanyMatch {
  const alike = m.best ? lookAlike(customerName, m.best.company.name) : undefined;
  if (!alike) return m;
  if (m.verdict === 'unmatched') return { ...m, how: `${m.how}; ${alike}` };
  return { ...m, verdict: 'review', why: alike };
}
