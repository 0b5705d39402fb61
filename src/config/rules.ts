/**
 * Cross-field and cross-file rules the schemas cannot express. Each rule is a small named
 * function over the parsed files that returns its problems; none throws.
 */
import type { Problem } from '../errors.js';
import { escapeText, identityKey, lookAlike } from '../text-hygiene.js';
import type { ServiceCatalogue } from '../usage/types.js';
import { didYouMean } from './suggest.js';
import { problemAt, type YamlFile } from './yaml-file.js';

export interface RuleInput {
  cwsync?: YamlFile;
  services?: YamlFile;
  customerFiles: YamlFile[];
  /**
   * The service names of the usage source cwsync.yaml configures (its adapter's): services.yaml
   * is checked against them. Undefined when none is configured or the source has no such list.
   */
  catalogue?: ServiceCatalogue;
}

type Rule = (input: RuleInput) => Problem[];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

const CREDENTIALS_HINT =
  'remove them: the ConnectWise keys go in publicKey and privateKey, the Mailprotector key in apiKey, as { env: NAME } references';

/** `scheme://user:pass@host`, parseable or not; userinfo is whatever precedes an @ in the authority. */
function holdsCredentials(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value.trim());
}

/**
 * Checks one configured URL: it parses, holds no credentials, query or fragment, and uses
 * http:// only for loopback hosts. Messages never quote the URL, which may hold a secret.
 */
function urlProblem(file: YamlFile, path: string[], value: unknown): Problem[] {
  if (typeof value !== 'string') return [];
  const name = path.join('.');
  if (holdsCredentials(value))
    return [problemAt(file, path, `${name} holds credentials (user:password@), which are refused`, CREDENTIALS_HINT)];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [problemAt(file, path, `${name} is not a valid URL`, 'write it as https://host/path')];
  }
  if (url.search || url.hash)
    return [
      problemAt(
        file,
        path,
        `${name} has a query (?...) or fragment (#...)`,
        'write the base URL only (scheme, host, path); secrets belong in { env: NAME } references',
      ),
    ];
  if (url.protocol === 'https:') return [];
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return [];
  if (url.protocol === 'http:') {
    return [
      problemAt(
        file,
        path,
        `${name} uses http:// for "${url.hostname}", which is not a loopback host`,
        'use https://; plain http is allowed only for 127.0.0.1, localhost or ::1 (the sandbox)',
      ),
    ];
  }
  return [problemAt(file, path, `${name} must be an https:// URL, not ${url.protocol}`)];
}

const connectionTarget: Rule = ({ cwsync }) => {
  // Another billing system may be configured instead (the registry's; config/load.ts checks one is).
  if (!cwsync || obj(cwsync.data).connectwise === undefined) return [];
  const cw = obj(obj(cwsync.data).connectwise);
  const has = (k: string) => cw[k] !== undefined;
  if (has('site') && has('url'))
    return [
      problemAt(
        cwsync,
        ['connectwise', 'url'],
        'connectwise has both site and url',
        'keep one: site (an API host such as api-na.myconnectwise.net) or url (a full base URL)',
        true,
      ),
    ];
  if (!has('site') && !has('url'))
    return [
      problemAt(
        cwsync,
        ['connectwise'],
        'connectwise needs site or url',
        'add site: api-na.myconnectwise.net (or your region), or url: https://cw.example.com/v4_6_release/apis/3.0',
        true,
      ),
    ];
  return [];
};

const httpOnlyForLoopback: Rule = ({ cwsync }) => {
  if (!cwsync) return [];
  const data = obj(cwsync.data);
  const cw = obj(data.connectwise);
  const mp = obj(obj(data.usage).mailprotector);
  const problems = [
    ...urlProblem(cwsync, ['connectwise', 'url'], cw.url),
    ...urlProblem(cwsync, ['usage', 'mailprotector', 'url'], mp.url),
  ];
  const site = cw.site;
  if (typeof site === 'string') {
    if (site.includes('://')) problems.push(...urlProblem(cwsync, ['connectwise', 'site'], site));
    else if (site.includes('@'))
      problems.push(
        problemAt(
          cwsync,
          ['connectwise', 'site'],
          'connectwise.site holds credentials (user:password@), which are refused',
          CREDENTIALS_HINT,
        ),
      );
    else if (/[/\s]/.test(site))
      problems.push(
        problemAt(
          cwsync,
          ['connectwise', 'site'],
          `connectwise.site must be a host name, not "${site}"`,
          'write only the host, e.g. api-na.myconnectwise.net; use url for a full base URL',
        ),
      );
    else if (/^(na|eu|au|aus|za)\.myconnectwise\.net$/i.test(site))
      problems.push(
        problemAt(
          cwsync,
          ['connectwise', 'site'],
          `connectwise.site "${site}" is the web host, not the API host`,
          `use api-${site}`,
        ),
      );
  }
  return problems;
};

const oneUsageSource: Rule = ({ cwsync }) => {
  if (!cwsync) return [];
  const usage = obj(obj(cwsync.data).usage);
  const both = usage.mailprotector !== undefined && usage.file !== undefined;
  if (both)
    return [
      problemAt(cwsync, ['usage', 'file'], 'usage has both mailprotector and file', 'keep one source of usage', true),
    ];
  if (usage.mailprotector === undefined && usage.file === undefined)
    return [
      problemAt(
        cwsync,
        ['usage'],
        'usage needs mailprotector or file',
        'add usage.mailprotector (the live API) or usage.file (a snapshot)',
        true,
      ),
    ];
  return [];
};

const serviceNamesKnown: Rule = ({ services, catalogue }) => {
  if (!services || !catalogue) return [];
  const known = catalogue.names;
  const problems: Problem[] = [];
  for (const name of Object.keys(obj(obj(services.data).services))) {
    if (known.includes(name)) continue;
    const canonical = catalogue.canonical(name);
    problems.push(
      canonical
        ? problemAt(
            services,
            ['services', name],
            `"${name}" is the API's long name; services.yaml uses the short name "${canonical}"`,
            `rename the key to ${canonical}`,
            true,
          )
        : problemAt(
            services,
            ['services', name],
            `unknown ${catalogue.vendor} service "${name}"${didYouMean(name, known)}`,
            `known services: ${known.join(', ')}`,
            true,
          ),
    );
  }
  return problems;
};

const deprecatedNotMapped: Rule = ({ services, catalogue }) => {
  if (!services || !catalogue) return [];
  return Object.entries(obj(obj(services.data).services))
    .filter(([name, product]) => catalogue.deprecated(name) && product !== null)
    .map(([name]) =>
      problemAt(
        services,
        ['services', name],
        `"${name}" is deprecated and must not be mapped`,
        `set it to null (Not Assigned) or remove the line`,
      ),
    );
};

const productClaimedOnce: Rule = ({ services }) => {
  if (!services) return [];
  const data = obj(services.data);
  const claims = new Map<string, string>();
  const problems: Problem[] = [];
  const claim = (product: unknown, owner: string, path: (string | number)[]) => {
    if (typeof product !== 'string') return;
    const prior = claims.get(product.toLowerCase());
    if (prior)
      problems.push(
        problemAt(
          services,
          path,
          `product "${product}" is already mapped to ${prior}`,
          'each catalog item may stand for one service or bundle, so its quantity has one meaning',
        ),
      );
    else claims.set(product.toLowerCase(), owner);
  };
  for (const [name, product] of Object.entries(obj(data.services)))
    claim(product, `service ${name}`, ['services', name]);
  const bundles = Array.isArray(data.bundles) ? data.bundles : [];
  for (const [i, b] of bundles.entries())
    claim(obj(b).product, `bundle "${String(obj(b).name)}"`, ['bundles', i, 'product']);
  return problems;
};

const bundlesValid: Rule = ({ services, catalogue }) => {
  if (!services) return [];
  const data = obj(services.data);
  const bundles = Array.isArray(data.bundles) ? data.bundles.map(obj) : [];
  const problems: Problem[] = [];
  const names = new Set<string>();
  bundles.forEach((b, i) => {
    const name = String(b.name);
    if (names.has(name))
      problems.push(
        problemAt(
          services,
          ['bundles', i, 'name'],
          `bundle name "${name}" is used twice`,
          'give each bundle its own name',
        ),
      );
    names.add(name);
    if (catalogue?.canonical(name))
      problems.push(
        problemAt(
          services,
          ['bundles', i, 'name'],
          `bundle name "${name}" is also a service name`,
          `overrides name services and bundles alike, so pick a distinct name such as "${name} Bundle"`,
        ),
      );
    const seen = new Set<string>();
    (Array.isArray(b.services) ? b.services : []).forEach((s, j) => {
      const svc = String(s);
      const at: (string | number)[] = ['bundles', i, 'services', j];
      if (catalogue && !catalogue.names.includes(svc))
        problems.push(
          problemAt(services, at, `bundle "${name}" names unknown service "${svc}"${didYouMean(svc, catalogue.names)}`),
        );
      else if (catalogue?.deprecated(svc))
        problems.push(
          problemAt(services, at, `bundle "${name}" includes deprecated service "${svc}"`, 'remove it from the bundle'),
        );
      if (seen.has(svc)) problems.push(problemAt(services, at, `bundle "${name}" lists "${svc}" twice`));
      seen.add(svc);
    });
  });
  return problems;
};

const overridesTargetMapped: Rule = ({ services, customerFiles }) => {
  if (!services) return [];
  const data = obj(services.data);
  const mapping = obj(data.services);
  const bundleNames = (Array.isArray(data.bundles) ? data.bundles : []).map((b) => String(obj(b).name));
  const targets = [...Object.keys(mapping).filter((k) => typeof mapping[k] === 'string'), ...bundleNames];
  const problems: Problem[] = [];
  for (const file of customerFiles) {
    const list = obj(file.data).customers;
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      for (const key of Object.keys(obj(obj(c).overrides))) {
        const at = ['customers', i, 'overrides', key];
        if (targets.includes(key)) continue;
        // Own keys only: `constructor` or `__proto__` are in every object, and are no service.
        if (Object.hasOwn(mapping, key))
          problems.push(
            problemAt(
              file,
              at,
              `override "${key}" names a service that is Not Assigned (null) in services.yaml`,
              'map the service to a product first, or remove the override',
              true,
            ),
          );
        else
          problems.push(
            problemAt(
              file,
              at,
              `override "${key}" is neither a mapped service nor a bundle${didYouMean(key, targets)}`,
              `overrides may name: ${targets.join(', ') || '(nothing is mapped yet)'}`,
              true,
            ),
          );
      }
    });
  }
  return problems;
};

/**
 * A customer bound twice, by the identity plan matches with (an id, or the name Unicode-normalised
 * and ignoring case): "Café" spelt NFC in one file and NFD in another is one customer. Both
 * places are named, each at its own line, so whichever file a reviewer opens shows it.
 */
interface FirstBinding {
  where: string;
  raw: unknown;
  problem: Problem;
  /** Whether the first binding's own problem was reported already. */
  told: boolean;
}

const shownCustomer = (raw: unknown) => (typeof raw === 'number' ? `id ${raw}` : `"${escapeText(String(raw))}"`);

function boundTwiceHint(prior: unknown, customer: unknown): string {
  const alike = typeof customer === 'string' ? lookAlike(String(prior), customer) : undefined;
  if (alike) return `${alike}; they are one customer: keep one binding`;
  return prior === customer
    ? 'bind each Mailprotector customer once; to bill two agreements, split its user groups in Mailprotector'
    : 'names are compared ignoring case; if these are two Mailprotector customers, bind each by its id';
}

/** The problems of a second binding: at the first one (once), and here. */
function boundTwice(prior: FirstBinding, customer: unknown, here: Problem, where: string): Problem[] {
  const hint = boundTwiceHint(prior.raw, customer);
  const out: Problem[] = [];
  if (!prior.told) {
    prior.told = true;
    out.push({ ...prior.problem, message: `customer ${shownCustomer(prior.raw)} is bound again at ${where}`, hint });
  }
  out.push({ ...here, message: `customer ${shownCustomer(customer)} is bound twice (first at ${prior.where})`, hint });
  return out;
}

const customerBoundOnce: Rule = ({ customerFiles }) => {
  const first = new Map<string, FirstBinding>();
  const problems: Problem[] = [];
  for (const file of customerFiles) {
    const list = obj(file.data).customers;
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      const customer = obj(c).customer;
      if (customer === undefined) return;
      const key = typeof customer === 'number' ? `#${customer}` : identityKey(String(customer));
      const here = problemAt(file, ['customers', i, 'customer'], '');
      const where = `${here.file}:${here.line}`;
      const prior = first.get(key);
      if (prior) problems.push(...boundTwice(prior, customer, here, where));
      else first.set(key, { where, raw: customer, problem: here, told: false });
    });
  }
  return problems;
};

const RULES: ReadonlyArray<[string, Rule]> = [
  ['connection-target', connectionTarget],
  ['http-only-for-loopback', httpOnlyForLoopback],
  ['one-usage-source', oneUsageSource],
  ['service-names-known', serviceNamesKnown],
  ['deprecated-not-mapped', deprecatedNotMapped],
  ['product-claimed-once', productClaimedOnce],
  ['bundles-valid', bundlesValid],
  ['overrides-target-mapped', overridesTargetMapped],
  ['customer-bound-once', customerBoundOnce],
];

export function runRules(input: RuleInput): Problem[] {
  return RULES.flatMap(([, rule]) => rule(input));
}
