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

export function connectWiseHint(settings: Pick<ConnectWiseSettings, 'site' | 'url' | 'company'>) {
  return (f: ErrorFacts): string | undefined => {
    const text = `${f.code ?? ''} ${f.message ?? ''}`.toLowerCase();
    if (f.status === 0) return `check that ${settings.site ?? settings.url} is reachable from this machine`;
    if (f.status === 401)
      return `check connectwise.company ("${settings.company}", the login company ID, case-sensitive) and the API member's public and private keys`;
    if (f.status === 403) {
      const p = permissionFor(f.method, f.path);
      return p
        ? `the API member's security role needs ${describePermission(p)} (to ${p.why})`
        : "check the API member's security role";
    }
    if (f.status === 400 && text.includes('clientid'))
      return "check the clientId header: connectwise.clientId must be your integration's GUID from developer.connectwise.com";
    if (f.status === 404 && settings.site)
      return 'on ConnectWise cloud a 404 can mean a stale codebase or wrong credentials: check connectwise.company and the keys';
    if (f.status === 404)
      return 'check connectwise.url: it should end in /apis/3.0 (e.g. https://cw.example.com/v4_6_release/apis/3.0)';
    if (f.status === 429)
      return 'ConnectWise is throttling this integration; lower connectwise.concurrency or run at a quieter time';
    if (f.status >= 500)
      return 'ConnectWise had a server error; a write it may still carry out is settled by reading it back, never sent twice';
    return undefined;
  };
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
