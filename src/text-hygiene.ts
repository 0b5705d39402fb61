/**
 * Text hygiene (SPEC §3): text from either API or the config never reaches a terminal, a
 * markdown comment, a job summary or an issue raw. Control characters (an ESC can repaint a
 * terminal), bidirectional overrides (U+202E shows "Contoso" where the bytes say otherwise) and
 * invisible characters are shown escaped as `\u202E`. One function, used wherever data enters
 * rendering; and one "skeleton" to flag names that differ from another only by look-alike
 * characters, invisible characters or Unicode normalisation, where names are matched.
 */

/**
 * C0 and C1 controls, DEL, the bidirectional marks, embeddings, overrides and isolates, the
 * line and paragraph separators, and the invisible joiners and word joiner (U+200B-U+200D,
 * U+2060-U+2064, U+FEFF): none belongs in a name, and each can make text display as another.
 */
const HIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0]/g;

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The text with every hidden or control character written as `\uXXXX`: what the bytes are,
 * shown. `chars` (a global class) widens what is escaped, for places stricter than a terminal.
 */
export function escapeText(text: string, chars: RegExp = HIDDEN): string {
  return text.replace(chars, hex);
}

/**
 * Multi-line text for a terminal or a CI log: each line escaped, and a line that would start a
 * GitHub workflow command (`::add-mask::`, `::stop-commands::`, the older `##[`) after a line
 * break that came from data shows its first character escaped. The runner obeys such a line
 * wherever it comes from; cwsync never means to print one.
 */
export function shownLines(text: string): string {
  return text
    .split('\n')
    .map((l) => escapeText(l).replace(WORKFLOW_COMMAND, (_, blank: string, c: string) => `${blank}${hex(c)}`))
    .join('\n');
}

const WORKFLOW_COMMAND = /^(\s*)(:(?=:)|#(?=#\[))/;

/** Whether the text holds a character escapeText would show escaped. */
function hasHiddenText(text: string): boolean {
  return new RegExp(HIDDEN.source).test(text);
}

/**
 * Every string in a plain JSON value (a plan, a report, a binding error) escaped, for a renderer.
 * The data itself (the JSON plan, the report file) keeps the bytes: only what is shown changes.
 * Copied only where a string changed, the rest shared (names are almost always plain: a whole
 * copy of a 20,000-customer plan was held while it was rendered): the result is read-only.
 */
export function escapeDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeText(value) as T;
  if (Array.isArray(value)) {
    const out = value.map(escapeDeep);
    return (out.some((v, i) => v !== value[i]) ? out : value) as T;
  }
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  let changed = false;
  for (const [k, v] of Object.entries(value)) {
    out[k] = escapeDeep(v);
    changed ||= out[k] !== v;
  }
  return (changed ? out : value) as T;
}

/** JSON text whose hidden characters above U+007F are JSON escapes too: the same data, safe to print. */
export function escapeJsonText(json: string): string {
  // JSON.stringify escapes U+0000-U+001F inside strings already (outside them are its own line
  // breaks); `\u202e` in a JSON string is the same character.
  return json.replace(ABOVE_C0, (c) => hex(c).toLowerCase());
}

/** HIDDEN less the C0 controls. */
const ABOVE_C0 = new RegExp(HIDDEN.source.replace('\\u0000-\\u001f', ''), 'g');

/**
 * Latin look-alikes of Cyrillic and Greek letters (the ones that render identically in common
 * fonts). A name spelt with them is another string that a reviewer cannot tell apart.
 */
const CONFUSABLES: Record<string, string> = {
  а: 'a',
  в: 'B',
  е: 'e',
  к: 'k',
  м: 'M',
  н: 'H',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 'T',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
  Ԛ: 'Q',
  Ԝ: 'W',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ο: 'o',
  ν: 'v',
  ρ: 'p',
  α: 'a',
};
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'g');

/** How a name looks: compatibility-normalised, invisible characters dropped, look-alikes folded to Latin. */
function skeleton(name: string): string {
  return name
    .normalize('NFKC')
    .replace(HIDDEN, '')
    .replace(CONFUSABLE, (c) => CONFUSABLES[c] ?? c);
}

/** Everything outside printable ASCII, escaped: how two names that look alike are told apart. */
const NOT_PLAIN = /[^\u0020-\u007e]/g;

/**
 * Why `name` looks the same as `other` though it is another string, or undefined when they
 * differ visibly (or not at all): `"\u0421ontoso" differs from "Contoso" only by look-alike
 * letters (Cyrillic or Greek)`, both shown with every character outside printable ASCII
 * escaped. Used where names are matched or suggested: a did-you-mean must never propose a name
 * that reads the same as the one written.
 */
export function lookAlike(name: string, other: string): string | undefined {
  // A difference of case alone is visible: not a look-alike.
  if (name.toLowerCase() === other.toLowerCase()) return undefined;
  if (skeleton(name).toLowerCase() !== skeleton(other).toLowerCase()) return undefined;
  const kinds: string[] = [];
  if (identityKey(name) === identityKey(other)) kinds.push('Unicode normalisation (NFC/NFD)');
  else {
    if (hasHiddenText(name) || hasHiddenText(other)) kinds.push('invisible characters');
    const confusable = new RegExp(CONFUSABLE.source);
    if (confusable.test(name) || confusable.test(other)) kinds.push('look-alike letters (Cyrillic or Greek)');
    if (kinds.length === 0) kinds.push('compatibility characters');
  }
  const shown = (s: string) => escapeText(s, NOT_PLAIN);
  return `"${shown(name)}" differs from "${shown(other)}" only by ${kinds.join(' and ')}`;
}

/** A customer's identity as the config and the plan compare it: Unicode-normalised (NFC), ignoring case. */
export function identityKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
