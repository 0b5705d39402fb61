/**
 * Company names as a person compares them: case, punctuation, spacing, accents, "&"/"and",
 * a leading "the", common abbreviations and trailing legal forms (Ltd, Inc, GmbH, Pty Ltd, ...)
 * set aside. Two names with the same key are "the same name".
 */

export interface NormalName {
  /** Significant words, in order. */
  tokens: string[];
  /** The words joined by one space: equal keys mean the same name. */
  key: string;
  /** The words joined without spaces: "Blue Sky" and "BlueSky" meet here. */
  compact: string;
}

/** Legal forms, as words after punctuation is removed ("L.L.C." -> "llc", "S.A." -> "sa"). */
const LEGAL_FORMS = new Set([
  'ab',
  'ag',
  'aps',
  'as',
  'asa',
  'bhd',
  'bv',
  'co',
  'company',
  'corp',
  'corporation',
  'cv',
  'ev',
  'gmbh',
  'inc',
  'incorporated',
  'kg',
  'kk',
  'limited',
  'llc',
  'llp',
  'lp',
  'ltd',
  'mbh',
  'nv',
  'ohg',
  'oy',
  'oyj',
  'pc',
  'plc',
  'pllc',
  'private',
  'pte',
  'pty',
  'pvt',
  'sa',
  'sarl',
  'sas',
  'sdn',
  'sl',
  'spa',
  'srl',
  'ug',
]);

/** Words that carry no identity. */
const NOISE = new Set(['the', 'and']);

/** Unambiguous abbreviations, written out, so "Intl Svcs" and "International Services" meet. */
const ABBREVIATIONS: Record<string, string> = {
  assoc: 'associates',
  assocs: 'associates',
  bros: 'brothers',
  centre: 'center',
  ctr: 'center',
  dept: 'department',
  grp: 'group',
  intl: 'international',
  mfg: 'manufacturing',
  mgmt: 'management',
  natl: 'national',
  service: 'services',
  svc: 'services',
  svcs: 'services',
};

/** Letters NFKD does not take apart. */
const LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', đ: 'd', ł: 'l', þ: 'th', ı: 'i' };

/** Lower case, accents and special letters folded to ASCII where they have an obvious form. */
function foldText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæøœđłþı]/g, (c) => LETTERS[c] ?? c);
}

export function normalizeName(name: string): NormalName {
  const words = foldText(name)
    .replace(/[&+]/g, ' and ')
    // Dots and apostrophes join what they separate: "L.L.C." -> "llc", "O'Brien" -> "obrien".
    .replace(/[.'’`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((w) => w.length > 0 && !NOISE.has(w))
    .map((w) => ABBREVIATIONS[w] ?? w);
  while (words.length > 1 && LEGAL_FORMS.has(words[words.length - 1]!)) words.pop();
  return { tokens: words, key: words.join(' '), compact: words.join('') };
}

/** An identifier as comparable text: "ACME-LOG" -> "acmelog". */
export function normalizeIdentifier(identifier: string): string {
  return foldText(identifier).replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Second-level labels under a country code: the name is the label before them. */
const SECOND_LEVEL = new Set(['ac', 'co', 'com', 'edu', 'gov', 'ltd', 'net', 'or', 'org', 'plc', 'sch']);
/** Mail providers and the like: their name says nothing about the customer. */
const SHARED_DOMAINS = new Set([
  'aol',
  'gmail',
  'googlemail',
  'hotmail',
  'icloud',
  'live',
  'mail',
  'msn',
  'outlook',
  'protonmail',
  'yahoo',
  'zoho',
]);

/**
 * The label of a domain that names its owner, without hyphens: "mail.harbor-dental.co.uk" ->
 * "harbordental", "contoso.onmicrosoft.com" -> "contoso". Undefined when it says nothing
 * (shared mail providers, labels under 4 characters, something that is not a domain).
 */
export function domainLabel(domain: string): string | undefined {
  const labels = domain.trim().toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length < 2 || labels.some((l) => !/^[a-z0-9-]+$/.test(l))) return undefined;
  let name: string | undefined;
  if (domain.toLowerCase().endsWith('.onmicrosoft.com')) name = labels[0];
  else {
    const tld = labels[labels.length - 1]!;
    const second = labels[labels.length - 2]!;
    const ccSecondLevel = tld.length === 2 && SECOND_LEVEL.has(second) && labels.length >= 3;
    name = ccSecondLevel ? labels[labels.length - 3] : second;
  }
  const label = name?.replace(/-/g, '');
  if (!label || label.length < 4 || SHARED_DOMAINS.has(label)) return undefined;
  return label;
}
