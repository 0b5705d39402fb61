/**
 * The open lines cwsync does not manage on an agreement the plan changes, and which of them
 * likely bill what cwsync bills there too (SPEC §3): a bundle billed by hand beside the
 * components the plan is about to create is double billing a reviewer must see. The names
 * looked for come from the config (services and bundles), never from a list of any vendor's.
 */
import type { Bundle, Config } from '../config/types.js';
import { type BilledLine, isOpen, type ProductRef } from './ports.js';
import type { Ref, UnmanagedLine, Warning } from './types.js';

/** One agreement as planned: its lines, what cwsync bills there, and what it leaves alone. */
export interface AgreementView {
  customer: string;
  company: Ref;
  agreement: { id: number; name: string };
  /** Every line read for the agreement, any product, open or not. */
  lines: readonly BilledLine[];
  /** Product ids cwsync manages on this agreement (mapped, less those an override skips). */
  managed: ReadonlySet<number>;
  /** Catalog identifiers an override skips on this agreement. */
  skipped: ReadonlySet<string>;
  /** What cwsync bills here: the service or bundle name of every share with users, and its product. */
  billed: ReadonlyArray<{ label: string; product: string }>;
}

type Mapping = Pick<Config, 'services' | 'bundles'>;

/** Letters and digits only, lower case: "MP-BRACKET-BUNDLE" and "Bracket Bundle" both contain "bracket". */
const squash = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** A name shorter than this is too likely to turn up by chance inside another word. */
const MIN_NAME = 4;

/** The open lines of products not managed on this agreement. */
function unmanagedLines(view: AgreementView, now: Date): BilledLine[] {
  return view.lines.filter((l) => isOpen(l, now) && !view.managed.has(l.productId)).sort((a, b) => a.id - b.id);
}

/** What a mapped identifier stands for in the config: "the bundle Bracket Bundle" or "CloudFilter". */
function meaningOf(identifier: string, config: Mapping): string | null {
  const key = identifier.toLowerCase();
  const bundle = config.bundles.find((b) => b.product.toLowerCase() === key);
  if (bundle) return `the product of the bundle "${bundle.name}"`;
  const service = Object.entries(config.services).find(([, p]) => p?.toLowerCase() === key)?.[0];
  return service ? `the product services.yaml maps ${service} to` : null;
}

/** The service and bundle names cwsync bills on this agreement, each bundle with its services. */
function billedNames(view: AgreementView, bundles: readonly Bundle[]): string[] {
  const names = new Set<string>();
  for (const { label } of view.billed) {
    names.add(label);
    for (const s of bundles.find((b) => b.name === label)?.services ?? []) names.add(s);
  }
  return [...names].filter((n) => squash(n).length >= MIN_NAME);
}

/** Why this line likely bills what cwsync bills here; null when nothing suggests so. */
function doubleBillingReason(
  line: BilledLine,
  view: AgreementView,
  config: Mapping,
  products: ReadonlyMap<string, ProductRef>,
): string | null {
  const identifier = line.productIdentifier ?? [...products.values()].find((p) => p.id === line.productId)?.identifier;
  if (identifier && !view.skipped.has(identifier)) {
    const meaning = meaningOf(identifier, config);
    // Same identifier, another catalog item (an old or duplicate SKU): billed beside cwsync's own line.
    if (meaning) return `its product ${identifier} is ${meaning}`;
  }
  const text = squash(`${identifier ?? ''} ${line.description ?? ''}`);
  const named = billedNames(view, config.bundles).filter((n) => text.includes(squash(n)));
  if (named.length === 0) return null;
  return `it names ${named.join(', ')}, which cwsync bills on this agreement`;
}

/** The plan's view of one unmanaged line, with its double-billing reason. */
function describeUnmanaged(
  line: BilledLine,
  view: AgreementView,
  config: Mapping,
  products: ReadonlyMap<string, ProductRef>,
): UnmanagedLine {
  return {
    customer: view.customer,
    company: view.company,
    agreement: view.agreement,
    product: { id: line.productId, identifier: line.productIdentifier ?? null },
    description: line.description ?? null,
    additionId: line.id,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    doubleBilling: doubleBillingReason(line, view, config, products),
  };
}

/** "line 3600 MP-BRACKET-BUNDLE "Mailprotector Bracket Bundle" x28": how messages name a line. */
function lineName(u: Pick<UnmanagedLine, 'additionId' | 'product' | 'description' | 'quantity'>): string {
  const product = u.product.identifier ?? `product ${u.product.id}`;
  return `line ${u.additionId} ${product}${u.description ? ` "${u.description}"` : ''} x${u.quantity}`;
}

function doubleBillingWarning(u: UnmanagedLine): Warning | null {
  if (!u.doubleBilling) return null;
  return {
    code: 'double-billing',
    message: `likely double billing on ${u.company.identifier} / ${u.agreement.name} (${u.customer}): ${lineName(u)} is not managed by cwsync, and ${u.doubleBilling}; check that it does not bill the same users, then cancel it or map it (a bundle in services.yaml)`,
  };
}

/**
 * The unmanaged lines of the agreements the plan changes, and the double-billing warnings among
 * them: buildPlan keeps a view only of an agreement it changes.
 */
export function unmanagedOfChanged(
  views: readonly AgreementView[],
  config: Mapping,
  products: ReadonlyMap<string, ProductRef>,
  now: Date,
): { lines: UnmanagedLine[]; warnings: Warning[] } {
  const lines = views.flatMap((v) => unmanagedLines(v, now).map((l) => describeUnmanaged(l, v, config, products)));
  const warnings = lines.flatMap((u) => doubleBillingWarning(u) ?? []);
  return { lines, warnings };
}
