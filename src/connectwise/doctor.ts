/**
 * Health checks for `cwsync doctor`: reachability, credentials, clientId, and each permission
 * of the security role, then every catalog item services.yaml maps. Write permissions cannot
 * be proven without writing: requests that cannot change anything (a POST with a product that
 * does not exist, a PATCH of addition 0) prove one missing (403), and otherwise give a warning.
 */
import { type Check, failedCheck } from '../check.js';
import { HttpError } from '../http/errors.js';
import type { ConnectWiseClient } from './client.js';
import { queryString } from './conditions.js';
import { describePermission, PERMISSIONS, type Permission } from './permissions.js';
import { liveDirectory } from './resolve.js';
import type { CatalogItem } from './types.js';

async function probe(name: string, perm: Permission, call: () => Promise<unknown>): Promise<Check> {
  const label = `${name}: ${describePermission(perm)}`;
  try {
    await call();
    return { name: label, ok: true };
  } catch (err) {
    if (err instanceof HttpError && err.status === 403) return missing(label, perm);
    return failedCheck(label, err);
  }
}

const missing = (label: string, perm: Permission): Check => ({
  name: label,
  ok: false,
  detail: 'missing',
  fix: `give the API member's security role ${describePermission(perm)} (needed to ${perm.why})`,
});

/**
 * A write permission cannot be proven without writing: a refused probe (a product that does not
 * exist, addition 0) shows it only if ConnectWise checks security before the body or the record,
 * which nothing documents (vendor evidence #31), and no source shows a security-role endpoint an
 * API member can read its own rights from. A 403 proves it missing; anything else is a warning.
 */
async function writeProbe(name: string, perm: Permission, call: () => Promise<unknown>): Promise<Check> {
  const label = `${name}: ${describePermission(perm)}`;
  try {
    await call();
    return { name: label, ok: false, detail: 'the probe was accepted: check the agreement for a stray line' };
  } catch (err) {
    if (err instanceof HttpError && err.status === 403) return missing(label, perm);
    if (err instanceof HttpError && (err.status === 400 || err.status === 404))
      return {
        name: label,
        ok: true,
        warn: true,
        detail: `not provable without a write: the probe was refused with ${err.status} (nothing was written), which a role without the right may also get`,
        fix: `make sure the API member's security role has ${describePermission(perm)}; the first apply proves it (a 403 names what is missing)`,
      };
    return failedCheck(label, err);
  }
}

/** Every catalog identifier services.yaml maps: it exists, once, and is active. */
export async function catalogChecks(client: ConnectWiseClient, identifiers: string[]): Promise<Check[]> {
  if (identifiers.length === 0) return [];
  let items: CatalogItem[];
  try {
    items = await liveDirectory(client).catalogItems(identifiers);
  } catch (err) {
    return [failedCheck('catalog items mapped in services.yaml', err)];
  }
  return identifiers.map((identifier) => {
    const name = `services.yaml maps catalog item ${identifier}`;
    const matches = items.filter((i) => i.identifier.toLowerCase() === identifier.toLowerCase());
    const active = matches.filter((i) => i.inactiveFlag !== true);
    if (active.length === 1) return { name, ok: true, detail: `id ${active[0]!.id}` };
    const detail =
      active.length > 1
        ? `${active.length} active items have it: ids ${active.map((a) => a.id).join(', ')}`
        : matches.length > 0
          ? 'it exists but is inactive'
          : 'no catalog item has this identifier';
    return {
      name,
      ok: false,
      detail,
      fix: 'write the Product ID shown in ConnectWise (Procurement › Product Catalog) of an active item, or map the service to null (Not Assigned)',
    };
  });
}

export async function connectWiseChecks(client: ConnectWiseClient, where: string): Promise<Check[]> {
  const checks: Check[] = [];
  let base: string;
  try {
    base = await client.baseUrl();
    // A site resolves to its codebase's URL, worth showing; a url given in full is not repeated.
    checks.push({ name: `ConnectWise reachable at ${where}`, ok: true, detail: base === where ? undefined : base });
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
    await writeProbe('create additions', PERMISSIONS.agreementsAdd, () =>
      client.call('POST', additions, {
        body: { product: { id: 0 }, billCustomer: 'cwsync-doctor-probe', quantity: 0 },
      }),
    ),
  );
  checks.push(
    await writeProbe('update additions', PERMISSIONS.agreementsEdit, () =>
      client.call('PATCH', `${additions}/0`, { body: [{ op: 'replace', path: 'quantity', value: 0 }] }),
    ),
  );
  return checks;
}
