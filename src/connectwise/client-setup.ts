/**
 * What the ConnectWise client settles before its first request: that each credential can travel
 * in a header (named in a refusal, never quoted), and the hint each failure status gets.
 */
import type { ConnectWiseSettings, SecretRef } from '../config/types.js';
import { CwsyncError } from '../errors.js';
import { unsendable } from '../http/prepare.js';
import type { ErrorFacts } from '../http/transport.js';
import type { ConnectWiseCredentials } from './client.js';
import { describePermission, permissionFor } from './permissions.js';

type HintSettings = Pick<ConnectWiseSettings, 'site' | 'url' | 'company'>;

/** The hint for each failure status, in ConnectWise's terms and the config key to check. */
const HINTS: Record<number, (f: ErrorFacts, settings: HintSettings) => string | undefined> = {
  0: (_f, settings) => `check that ${settings.site ?? settings.url} is reachable from this machine`,
  401: (_f, settings) =>
    `check connectwise.company ("${settings.company}", the login company ID, case-sensitive) and the API member's public and private keys`,
  403: (f) => {
    const p = permissionFor(f.method, f.path);
    return p
      ? `the API member's security role needs ${describePermission(p)} (to ${p.why})`
      : "check the API member's security role";
  },
  400: (f) =>
    `${f.code ?? ''} ${f.message ?? ''}`.toLowerCase().includes('clientid')
      ? "check the clientId header: connectwise.clientId must be your integration's GUID from developer.connectwise.com"
      : undefined,
  404: (_f, settings) =>
    settings.site
      ? 'on ConnectWise cloud a 404 can mean a stale codebase or wrong credentials: check connectwise.company and the keys'
      : 'check connectwise.url: it should end in /apis/3.0 (e.g. https://cw.example.com/v4_6_release/apis/3.0)',
  429: () => 'ConnectWise is throttling this integration; lower connectwise.concurrency or run at a quieter time',
};

const SERVER_ERROR_HINT =
  'ConnectWise had a server error; a write it may still carry out is settled by reading it back, never sent twice';

export function connectWiseHint(settings: HintSettings) {
  return (f: ErrorFacts): string | undefined => (f.status >= 500 ? SERVER_ERROR_HINT : HINTS[f.status]?.(f, settings));
}

/** `connectwise.privateKey from env CW_PRIVATE_KEY`: how a secret is named in messages, never by value. */
export function secretName(label: string, ref: SecretRef): string {
  return `${label} from ${'env' in ref ? `env ${ref.env}` : `file ${ref.file}`}`;
}

/** Refuses, before any request, a credential that cannot travel in a header; names it, never quotes it. */
export function checkCredentials(settings: ConnectWiseSettings, credentials: ConnectWiseCredentials): void {
  const named: Array<[string, string]> = [
    [secretName('connectwise.publicKey', settings.publicKey), credentials.publicKey],
    [secretName('connectwise.privateKey', settings.privateKey), credentials.privateKey],
    [secretName('connectwise.clientId', settings.clientId), credentials.clientId],
    ['connectwise.company', settings.company],
  ];
  for (const [name, value] of named) {
    if (!unsendable(value, true)) continue;
    throw new CwsyncError(`${name} holds a control character (a line break?) or a non-Latin-1 character`, {
      hint: `a credential must be one line of printable characters; check what ${name.replace(/^\S+ from /, '')} holds`,
    });
  }
}
