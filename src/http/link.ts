/**
 * The one parser of RFC 8288 `Link` headers (ConnectWise and Mailprotector both page with
 * them). Tolerant of what servers send: missing quotes around rel, several rels in one, extra
 * parameters, an empty header. It never follows a link itself: callers take the parameter
 * they need (pageId, page) and build their own URL, so a hostile Link cannot send
 * credentials to another host.
 */

export interface Link {
  /** The target as written between < and >. */
  url: string;
  /** Lowercased relation types: `rel="next last"` gives ['next', 'last']. */
  rels: string[];
}

/** Headers longer than this are not parsed past it: a real Link header is a few hundred bytes. */
const MAX_LENGTH = 16_384;

export function parseLinkHeader(value: string | null | undefined): Link[] {
  if (!value) return [];
  const text = value.slice(0, MAX_LENGTH);
  const links: Link[] = [];
  const re = /<([^>]*)>([^<]*)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2]!);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ url: m[1]!.trim(), rels });
  }
  return links;
}

/** The target of the first link with this relation, if any. */
export function linkTo(value: string | null | undefined, rel: string): string | undefined {
  return parseLinkHeader(value).find((l) => l.rels.includes(rel.toLowerCase()))?.url;
}

/** A query parameter of a link target (absolute or relative), matched case-insensitively by name. */
export function linkParam(url: string | undefined, name: string): string | undefined {
  if (url === undefined) return undefined;
  let params: URLSearchParams;
  try {
    params = new URL(url, 'http://link.invalid').searchParams;
  } catch {
    return undefined;
  }
  for (const [k, v] of params) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/** A non-negative integer parameter of the `rel` link, e.g. the next `pageId` or the last `page`. */
export function linkNumber(value: string | null | undefined, rel: string, param: string): number | undefined {
  const raw = linkParam(linkTo(value, rel), param);
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}
