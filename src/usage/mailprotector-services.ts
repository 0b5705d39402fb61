/**
 * The one table of Mailprotector services cwsync knows: canonical names (as used in
 * services.yaml), the longer names the API reports, and which are deprecated.
 */
import type { ServiceCatalogue } from './types.js';

interface ServiceInfo {
  name: string;
  aliases: string[];
  deprecated?: true;
  /**
   * Sold on top of a hosting service (SPEC §3: Bracket, XtraMail, SecureStore; the services PUT
   * takes `{hosting, addons[]}`): what a one-object services answer cannot show.
   */
  addon?: true;
}

const SERVICES: ServiceInfo[] = [
  { name: 'CloudFilter', aliases: ['CloudFilter Email Security', 'Cloud Filter'] },
  { name: 'SafeSend', aliases: ['SafeSend Outbound', 'Safe Send'] },
  { name: 'Bracket', aliases: ['Bracket Encryption', 'Bracket Email Encryption'], addon: true },
  { name: 'XtraMail', aliases: ['XtraMail Continuity', 'Xtra Mail'], addon: true },
  { name: 'CloudMail', aliases: ['CloudMail Hosted Email', 'Cloud Mail'] },
  { name: 'SecureStore', aliases: ['SecureStore Archiving', 'Secure Store'], addon: true },
  { name: 'Exchange+ Basic', aliases: ['Exchange Plus Basic'], deprecated: true },
  { name: 'Exchange+ Advanced', aliases: ['Exchange Plus Advanced'], deprecated: true },
  { name: 'Exchange+ Premium', aliases: ['Exchange Plus Premium'], deprecated: true },
];

const SERVICE_NAMES: readonly string[] = SERVICES.map((s) => s.name);

/** The add-ons, in table order: Bracket, XtraMail, SecureStore. */
export const ADDONS: readonly string[] = SERVICES.filter((s) => s.addon).map((s) => s.name);

const normalize = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();

const BY_NORMALIZED = new Map<string, ServiceInfo>();
for (const s of SERVICES) {
  BY_NORMALIZED.set(normalize(s.name), s);
  for (const a of s.aliases) BY_NORMALIZED.set(normalize(a), s);
}

/** The canonical name for a name the API or a user wrote, or undefined when unknown. */
export function canonicalService(name: string): string | undefined {
  return BY_NORMALIZED.get(normalize(name))?.name;
}

function isDeprecatedService(name: string): boolean {
  return SERVICES.some((s) => s.name === name && s.deprecated === true);
}

/** The table as the usage port's service catalogue (usage/types.ts), for the core to use without knowing whose it is. */
export const MAILPROTECTOR_SERVICES: ServiceCatalogue = {
  vendor: 'Mailprotector',
  names: SERVICE_NAMES,
  canonical: canonicalService,
  deprecated: isDeprecatedService,
};
