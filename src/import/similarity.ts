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

/** The Jaro-Winkler similarity of two strings, 0..1 (prefix scale 0.1, up to 4 characters). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aHit = new Array<boolean>(a.length).fill(false);
  const bHit = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(b.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bHit[j] || a[i] !== b[j]) continue;
      aHit[i] = true;
      bHit[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aHit[i]) continue;
    while (!bHit[k]) k++;
    if (a[i] !== b[k]) transpositions++;
    k++;
  }
  const m = matches;
  const jaro = (m / a.length + m / b.length + (m - transpositions / 2) / m) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
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
