/**
 * Everything about a request that can be refused before it is sent: its URL, its header
 * values, its body. Checked once per call, never retried, and nothing in a refusal quotes a
 * header's value.
 */
import { LocalRequestError } from './errors.js';
import type { RequestSpec } from './transport.js';

export interface PreparedRequest {
  url: URL;
  path: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

type Refuse = (path: string, reason: string, hint?: string) => LocalRequestError;

/**
 * Whether a header value cannot be sent as is: fetch sends values as bytes 0-255, and a control
 * character (a line break above all) would split or smuggle a header. A tab is legal in HTTP;
 * `strict` refuses it too, for credentials, which never hold one.
 */
export function unsendable(value: string, strict = false): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && (strict || c !== 0x09)) || c === 0x7f || c > 0xff) return true;
  }
  return false;
}

/** `headerSources` names where a header's value comes from, for the refusal: { clientid: 'connectwise.clientId' }. */
export function prepareRequest(
  service: string,
  spec: RequestSpec,
  headerSources: Record<string, string> | undefined,
): PreparedRequest {
  const refuse: Refuse = (path, reason, hint) =>
    new LocalRequestError(service, spec.method, path, reason, { label: spec.label, hint });
  const url = checkedUrl(spec.url, refuse);
  const headers: Record<string, string> = { ...spec.headers };
  checkHeaders(headers, url.pathname, headerSources, refuse);
  let payload: string | undefined;
  if (spec.body !== undefined) {
    payload = serialize(spec.body, url.pathname, refuse);
    headers['content-type'] ??= 'application/json';
  }
  return { url, path: url.pathname, headers, payload };
}

function checkedUrl(input: string | URL, refuse: Refuse): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw refuse('?', 'its URL is not valid', 'check the API url or site in the config');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refuse(url.pathname, `its URL uses ${url.protocol.slice(0, 10)}, not https`);
  if (url.username || url.password)
    throw refuse(url.pathname, 'its URL holds credentials (user:pass@)', 'remove the credentials from the url');
  return url;
}

function checkHeaders(
  headers: Record<string, string>,
  path: string,
  headerSources: Record<string, string> | undefined,
  refuse: Refuse,
): void {
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' && !unsendable(value)) continue;
    const source = headerSources?.[name.toLowerCase()];
    throw refuse(
      path,
      `the ${name} header would carry a control or non-Latin-1 character${source ? ` (its value comes from ${source})` : ''}`,
      source ? `check the secret ${source} refers to: it must be one line, with no control characters` : undefined,
    );
  }
}

function serialize(body: unknown, path: string, refuse: Refuse): string {
  try {
    return JSON.stringify(body);
  } catch {
    throw refuse(path, 'its body cannot be serialized as JSON');
  }
}
