/** services.yaml is checked against the configured usage source's own list of services, not a fixed table. */
import { describe, expect, it } from 'vitest';
import { configuredServices } from '../../src/adapters/registry.js';
import { runRules } from '../../src/config/rules.js';
import { parseYamlText } from '../../src/config/yaml-file.js';
import type { ServiceCatalogue } from '../../src/usage/types.js';

/** A second vendor's list: what another usage adapter would declare. */
const ACME: ServiceCatalogue = {
  vendor: 'Acme Mail',
  names: ['Shield', 'Vault', 'Legacy Relay'],
  canonical: (name) =>
    name === 'Acme Shield Pro' ? 'Shield' : ['Shield', 'Vault', 'Legacy Relay'].find((n) => n === name),
  deprecated: (name) => name === 'Legacy Relay',
};

function servicesFile(text: string) {
  const { file, problems } = parseYamlText(text, 'services.yaml');
  expect(problems).toEqual([]);
  return file!;
}

const messages = (text: string, catalogue: ServiceCatalogue | undefined) =>
  runRules({ services: servicesFile(text), customerFiles: [], catalogue }).map((p) => p.message);

describe('services.yaml against the usage source', () => {
  it("accepts the configured source's names and refuses another vendor's, naming the source", () => {
    const text = 'services:\n  Shield: P-SHIELD\n  CloudFilter: P-CF\n';
    expect(messages(text, ACME)).toEqual(['unknown Acme Mail service "CloudFilter"']);
    const mailprotector = configuredServices({ usage: { mailprotector: { reseller: 1 } } });
    expect(messages(text, mailprotector)).toEqual(['unknown Mailprotector service "Shield"']);
  });

  it("uses the source's aliases and deprecations: a long name is renamed, a deprecated one is not mapped", () => {
    const text = 'services:\n  Acme Shield Pro: P-SHIELD\n  Legacy Relay: P-RELAY\n';
    expect(messages(text, ACME)).toEqual([
      '"Acme Shield Pro" is the API\'s long name; services.yaml uses the short name "Shield"',
      '"Legacy Relay" is deprecated and must not be mapped',
    ]);
  });

  it('checks bundles against the same list', () => {
    const text =
      'services:\n  Shield: P-SHIELD\nbundles:\n  - name: Pack\n    product: P-PACK\n    services: [Shield, SafeSend]\n';
    expect(messages(text, ACME)).toEqual(['bundle "Pack" names unknown service "SafeSend"']);
  });

  it('finds the list through the registry from the usage key cwsync.yaml names', () => {
    expect(configuredServices({ usage: { mailprotector: {} } })?.vendor).toBe('Mailprotector');
    expect(configuredServices({ usage: { file: 'usage.json' } })?.names).toContain('CloudFilter');
    expect(configuredServices({ usage: {} })).toBeUndefined();
    expect(configuredServices('not a mapping')).toBeUndefined();
  });
});
