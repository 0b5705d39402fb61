/**
 * Services a usage source could not show (SPEC §3 "Vendor shapes we cannot see"): a user group
 * whose services came in a form that holds one service may carry others (`servicesNotShown`).
 * Every such group of a bound customer is named in a warning with the services that may go
 * unbilled; a binding that bills one of them from usage (mapped in services.yaml or part of a
 * bundle, and not fixed by one of its overrides) cannot be counted, so it is an error of that
 * binding: planned, it would bill those users as 0.
 */
import type { Binding, Config } from '../config/types.js';
import { type MatchedBinding, whereOf } from './match.js';
import type { BindingError, Warning } from './types.js';

type Mapping = Pick<Config, 'services' | 'bundles'>;

/** An override that sets the quantity or leaves the line alone makes usage irrelevant for it. */
const fixed = (binding: Binding, name: string) => {
  const o = Object.hasOwn(binding.overrides, name) ? binding.overrides[name] : undefined;
  return o !== undefined && ('skip' in o || 'quantity' in o);
};

/**
 * Where a service is billed for this binding from usage: its own product and its bundles', each
 * with the name an override would use (the service's, or the bundle's).
 */
function billedFrom(service: string, binding: Binding, config: Mapping): Array<{ key: string; text: string }> {
  const own = Object.hasOwn(config.services, service) ? config.services[service] : undefined;
  const out = own && !fixed(binding, service) ? [{ key: service, text: `${service} on ${own}` }] : [];
  for (const b of config.bundles)
    if (b.services.includes(service) && !fixed(binding, b.name))
      out.push({ key: b.name, text: `${service} on ${b.product} (bundle ${b.name})` });
  return out;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** At most this many groups are named per customer; the rest are counted (a tenant may have hundreds). */
const NAMED = 5;

type Group = MatchedBinding['usage']['userGroups'][number];

/** The groups, the largest first, the first few named with their users and what was shown. */
function named(groups: Group[]): string {
  const sorted = [...groups].sort((a, b) => b.users - a.users || a.name.localeCompare(b.name));
  const shown = sorted
    .slice(0, NAMED)
    .map((g) => `"${g.name}" (${plural(g.users, 'user')}, shown: ${g.services.join(', ') || 'nothing'})`);
  const rest = sorted.slice(NAMED);
  if (rest.length > 0)
    shown.push(
      `${plural(rest.length, 'more group')} (${plural(
        rest.reduce((n, g) => n + g.users, 0),
        'user',
      )})`,
    );
  return shown.join(', ');
}

export function unseenServices(
  matched: MatchedBinding[],
  config: Mapping,
  sourceLabel: string,
): { warnings: Warning[]; errors: Array<BindingError & { binding: Binding }>; rest: MatchedBinding[] } {
  const warnings: Warning[] = [];
  const errors: Array<BindingError & { binding: Binding }> = [];
  const rest: MatchedBinding[] = [];
  for (const m of matched) {
    const groups = m.usage.userGroups.filter((g) => (g.servicesNotShown?.length ?? 0) > 0);
    if (groups.length === 0) {
      rest.push(m);
      continue;
    }
    const notShown = [...new Set(groups.flatMap((g) => g.servicesNotShown!))].sort();
    const which = `${plural(groups.length, 'user group')} of ${m.usage.name}`;
    warnings.push({
      code: 'services-not-shown',
      message: `${sourceLabel} answered the services of ${which} as one object, which shows one service: ${notShown.join(', ')} they may carry cannot be seen and may go unbilled: ${named(groups)}; run cwsync doctor --shapes and check these groups' services in the vendor's console`,
    });
    const billed = notShown.flatMap((s) => billedFrom(s, m.resolved.binding, config));
    if (billed.length === 0) {
      rest.push(m);
      continue;
    }
    errors.push({
      binding: m.resolved.binding,
      customer: String(m.resolved.binding.customer),
      where: whereOf(m.resolved.binding),
      message: `bills ${billed.map((b) => b.text).join(', ')} from usage, but ${sourceLabel} showed one service per user group for ${which} (${named(groups)}), so users carrying ${notShown.join(', ')} cannot be counted: they would be billed as 0`,
      fix: `nothing was planned for this binding; check these groups' services in the vendor's console and set the quantity by hand with an override in this binding (overrides: { ${JSON.stringify(billed[0]!.key)}: { quantity: N } }), until cwsync doctor --shapes shows the services answered as a list`,
    });
  }
  return { warnings, errors, rest };
}
