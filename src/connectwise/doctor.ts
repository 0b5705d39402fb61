/**
 * Health checks for `cwsync doctor`: reachability, credentials, clientId, and each permission
 * of the security role. Write permissions are probed with requests that cannot change
 * anything: a POST with a product that does not exist, a PATCH of addition 0.
 */
import { HttpError } from '../http/errors.js';
import type { ConnectWiseClient } from './client.js';
import { queryString } from './conditions.js';
import { describePermission, PERMISSIONS, type Permission } from './permissions.js';

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
  fix?: string;
}

/** A failed check from an error, with the error's own hint as the fix. */
export function failedCheck(name: string, err: unknown): Check {
  return {
    name,
    ok: false,
    detail: err instanceof Error ? err.message : String(err),
    fix: (err as { hint?: string }).hint,
  };
}

async function probe(
  name: string,
  perm: Permission,
  call: () => Promise<unknown>,
  acceptable: number[] = [],
): Promise<Check> {
  const label = `${name}: ${describePermission(perm)}`;
  try {
    await call();
    return { name: label, ok: true };
  } catch (err) {
    if (err instanceof HttpError && acceptable.includes(err.status))
      return { name: label, ok: true, detail: `probe refused with ${err.status} as intended; nothing was written` };
    if (err instanceof HttpError && err.status === 403)
      return {
        name: label,
        ok: false,
        detail: 'missing',
        fix: `give the API member's security role ${describePermission(perm)} (needed to ${perm.why})`,
      };
    return failedCheck(label, err);
  }
}

export async function connectWiseChecks(client: ConnectWiseClient, where: string): Promise<Check[]> {
  const checks: Check[] = [];
  let base: string;
  try {
    base = await client.baseUrl();
    checks.push({ name: `ConnectWise reachable at ${where}`, ok: true, detail: base });
  } catch (err) {
    return [failedCheck(`ConnectWise reachable at ${where}`, err)];
  }
  try {
    const info = await client.systemInfo();
    checks.push({
      name: 'ConnectWise credentials and clientId accepted',
      ok: true,
      detail: info.version ? `server ${info.version}` : undefined,
    });
  } catch (err) {
    checks.push(failedCheck('ConnectWise credentials and clientId accepted', err));
    return checks;
  }
  const one = (path: string) => () => client.call('GET', `${path}${queryString({ pageSize: 1 })}`);
  checks.push(await probe('read companies', PERMISSIONS.companies, one('/company/companies')));
  let agreementId: number | undefined;
  checks.push(
    await probe('read agreements', PERMISSIONS.agreementsInquire, async () => {
      const res = await client.call('GET', `/finance/agreements${queryString({ pageSize: 1 })}`);
      const first: unknown = Array.isArray(res.body) ? res.body[0] : undefined;
      const id = first && typeof first === 'object' ? (first as { id?: unknown }).id : undefined;
      agreementId = typeof id === 'number' && Number.isInteger(id) ? id : undefined;
    }),
  );
  checks.push(await probe('read the product catalog', PERMISSIONS.catalog, one('/procurement/catalog')));
  if (agreementId === undefined) {
    checks.push({
      name: 'write permissions',
      ok: false,
      detail: 'not checked: no agreement is readable to probe against',
    });
    return checks;
  }
  const additions = `/finance/agreements/${agreementId}/additions`;
  checks.push(
    await probe(
      'create additions',
      PERMISSIONS.agreementsAdd,
      () =>
        client.call('POST', additions, {
          body: { product: { id: 0 }, billCustomer: 'cwsync-doctor-probe', quantity: 0 },
        }),
      [400, 404],
    ),
  );
  checks.push(
    await probe(
      'update additions',
      PERMISSIONS.agreementsEdit,
      () => client.call('PATCH', `${additions}/0`, { body: [{ op: 'replace', path: 'quantity', value: 0 }] }),
      [400, 404],
    ),
  );
  return checks;
}
