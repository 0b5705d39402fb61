/**
 * "Did you mean" suggestions for misspelt names. A name that differs from a candidate only by
 * look-alike letters, invisible characters or Unicode normalisation is never proposed as a
 * typo's fix: "Did you mean "CloudFilter"?" under a name that reads "CloudFilter" helps no one.
 * It is flagged instead, both spellings shown with their characters escaped.
 */
import { lookAlike } from '../text-hygiene.js';

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  if (!best) return undefined;
  const allowed = Math.max(2, Math.floor(Math.max(name.length, best.c.length) / 3));
  return best.d <= allowed ? best.c : undefined;
}

/** Why `name` reads the same as one of the candidates though it is none of them, or undefined. */
export function lookAlikeAmong(name: string, candidates: readonly string[]): string | undefined {
  for (const c of candidates) {
    const why = lookAlike(name, c);
    if (why) return why;
  }
  return undefined;
}

/** What to append to "unknown X": a look-alike flag, a did-you-mean, or nothing. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const alike = lookAlikeAmong(name, candidates);
  if (alike) return `: ${alike}`;
  const n = nearest(name, candidates);
  return n ? `. Did you mean "${n}"?` : '';
}

/** A fix's words for a name nothing matched: the look-alike flag, or `did you mean "X"?`, or undefined. */
export function suggestionFor(name: string, candidates: readonly string[]): string | undefined {
  const alike = lookAlikeAmong(name, candidates);
  if (alike) return `${alike}: write it as the name it looks like, in plain characters`;
  const n = nearest(name, candidates);
  return n ? `did you mean "${n}"?` : undefined;
}
