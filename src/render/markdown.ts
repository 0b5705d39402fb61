/**
 * The plan for a pull request, in the order a finance reviewer needs it: one verdict line with
 * the money; errors, the refusal, held changes, conflicts and likely double billing, visible;
 * the changes by customer with unit prices, reasons and subtotals, increases and decreases
 * totalled apart; the other lines on the agreements it changes; what is not billed, per
 * customer; other warnings; a stamp (head commit, when and where usage was read, the
 * fingerprint). Long sections collapse after their first rows, so 300 customers still open on
 * one screen; a cut at the size limit closes what is open and says where the full plan is.
 */
import type { Plan } from '../reconcile/types.js';
import { plural } from '../words.js';
import { type Block, COLLAPSE_AFTER, type Cut, fitBlocks, rowsBlock } from './budget.js';
import {
  byCustomer,
  byMoneyMoved,
  type CustomerChanges,
  changeRow,
  doubleBilled,
  headline,
  notBilledByValue,
  notBilledRow,
  notBilledTitle,
  otherWarnings,
  shownPlan,
  totalsLine,
  unmanagedOf,
  unmanagedRow,
  usageStamp,
} from './group.js';
import { CURRENCY, money, moneyChange } from './money.js';

export const MARKDOWN_LIMIT = 60_000;

/** Wraps what changes between two runs of the same plan (when usage was read), so a comparison can skip it. */
const VOLATILE_START = '<!-- cwsync:volatile -->';
const VOLATILE_END = '<!-- /cwsync:volatile -->';

/** The body without its volatile parts: equal for two runs of the same plan on the same head. */
export function stableText(body: string): string {
  return body.replace(/<!-- cwsync:volatile -->[\s\S]*?<!-- \/cwsync:volatile -->/g, '');
}

export interface MarkdownOptions {
  limit?: number;
  title?: string;
  /** The pull request's head commit, stamped instead of the config commit. */
  headCommit?: string;
  /** Where the full plan can be downloaded; otherwise the notice names the run's artifact. */
  artifactUrl?: string;
  /** For the age of a usage snapshot. */
  now?: Date;
}

/** Text from configs and servers, made inert: no HTML, no table breaks, no emphasis. */
function inline(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const row = (cells: Array<string | number>) => `| ${cells.map((c) => inline(String(c))).join(' | ')} |`;

/** A plan with at most this many changes shows them all at once; a bigger one opens with a table per customer. */
const SMALL_PLAN = 20;

const CHANGE_HEAD =
  '| customer | agreement | product | before → after | unit price | change | why |\n|---|---|---|---|--:|--:|---|\n';
const CUSTOMER_HEAD =
  '| customer | agreement | changes | increases | decreases | subtotal |\n|---|---|--:|--:|--:|--:|\n';

/** Each customer's changes, the customer named on its first row, and a subtotal row when it has several. */
function groupedChangeRows(plan: Plan): string[] {
  return byCustomer(plan.actions).flatMap((g) => {
    const rows = g.actions.map((a, i) => {
      const r = changeRow(a, '→');
      return row([
        i === 0 ? r.customer : '',
        i === 0 ? r.agreement : '',
        r.product,
        r.quantities,
        r.unitPrice,
        r.price,
        r.reason,
      ]);
    });
    if (g.actions.length > 1)
      rows.push(`|  | **subtotal** |  |  |  | **${inline(moneyChange(g.net))}** | ${inline(subtotalNote(g))} |`);
    return rows;
  });
}

/** Up and down apart, when a customer has both (or changes without a price). */
function subtotalNote(g: CustomerChanges): string {
  if (!(g.increase && g.decrease) && !g.unpriced) return '';
  const parts = [`up ${moneyChange(g.increase)}`, `down ${money(g.decrease)}`];
  if (g.unpriced) parts.push(`${g.unpriced} unpriced`);
  return parts.join(', ');
}

function customerRows(plan: Plan): string[] {
  return byMoneyMoved(byCustomer(plan.actions)).map((g) =>
    row([
      g.customer,
      g.agreement,
      g.actions.length,
      g.increase ? moneyChange(g.increase) : '',
      g.decrease ? money(g.decrease) : '',
      `${moneyChange(g.net)}${g.unpriced ? ` (${g.unpriced} unpriced)` : ''}`,
    ]),
  );
}

/**
 * The changes: a small plan shows every one, grouped by customer with subtotals. A big one
 * opens with one row per customer (biggest money moved first, the first 20 visible); every
 * change then comes last, folded, so a cut at the size limit takes only from it (the plan
 * artifact holds the full table) and never from what is not billed or the warnings.
 */
function changesBlocks(plan: Plan): { first: Block[]; last: Block[] } {
  const n = plan.actions.length;
  if (n === 0) return { first: [], last: [] };
  const totals = `**${inline(totalsLine(plan.actions))}**\n\n`;
  const groups = byCustomer(plan.actions).length;
  if (n <= SMALL_PLAN)
    return {
      first: [rowsBlock('changes', `#### Changes (${n})\n\n${totals}${CHANGE_HEAD}`, groupedChangeRows(plan))],
      last: [],
    };
  const customers = rowsBlock(
    'customers with changes',
    `#### Changes: ${n} for ${plural(groups, 'customer')}\n\n${totals}${CUSTOMER_HEAD}`,
    customerRows(plan),
    { repeat: CUSTOMER_HEAD, collapseAfter: COLLAPSE_AFTER },
  );
  const every = rowsBlock('changes', `#### Every change (${n})\n`, groupedChangeRows(plan), {
    repeat: CHANGE_HEAD,
    collapseAfter: 0,
    summary: `${plural(n, 'change')} by customer, with unit prices and reasons`,
  });
  return { first: [customers], last: [every] };
}

function errorsBlock(plan: Plan): Block | null {
  const n = plan.errors.length;
  if (n === 0) return null;
  return rowsBlock(
    'errors',
    `> [!CAUTION]\n> **${plural(n, 'error')}: nothing is planned for ${n === 1 ? 'this binding' : 'these bindings'}; fix and push again**\n`,
    plan.errors.map(
      (e) =>
        `> - ${e.customer ? `**${inline(e.customer)}** ` : ''}at ${inline(e.where)}: ${inline(e.message)}${e.fix ? `. Fix: ${inline(e.fix)}` : ''}`,
    ),
  );
}

function heldBlock(plan: Plan): Block | null {
  const n = plan.held.length;
  if (n === 0) return null;
  const head =
    '| customer | agreement | product | before → after | unit price | change | why held | why |\n|---|---|---|---|--:|--:|---|---|\n';
  return rowsBlock(
    'held changes',
    `> [!WARNING]\n> **${plural(n, 'change')} held**: a change over a safety limit (a large decrease or increase, or a quantity above maxQuantity) is not applied unless apply runs with --force, and is not in the total.\n\n${head}`,
    plan.held.map((h) => {
      const r = changeRow(h, '→');
      return row([r.customer, r.agreement, r.product, r.quantities, r.unitPrice, r.price, h.reason, r.reason]);
    }),
    { repeat: head, collapseAfter: COLLAPSE_AFTER },
  );
}

function doubleBillingBlock(plan: Plan): Block | null {
  const lines = doubleBilled(plan);
  if (lines.length === 0) return null;
  return rowsBlock(
    'likely double billings',
    `> [!WARNING]\n> **Likely double billing: ${plural(lines.length, 'line')} cwsync does not manage ${lines.length === 1 ? 'bills' : 'bill'} what this plan bills too.** Check each before applying; cancel the line by hand, or map its product (a bundle in services.yaml).\n`,
    lines.map((u) => {
      const r = unmanagedRow(u);
      return `> - **${inline(r.customer)}** (${inline(r.agreement)}): ${inline(r.line)} × ${r.quantity} at ${inline(r.unitPrice)}: ${inline(u.doubleBilling ?? '')}`;
    }),
    { collapseAfter: COLLAPSE_AFTER },
  );
}

function conflictsBlock(plan: Plan): Block | null {
  if (plan.conflicts.length === 0) return null;
  return rowsBlock(
    'conflicts',
    `#### Conflicts (${plan.conflicts.length}): reported, never touched\n\n`,
    plan.conflicts.map(
      (c) =>
        `- **${inline(c.customer)}** (${inline(`${c.company.identifier} / ${c.agreement.name}`)}): ${inline(c.reason)} (lines ${c.additionIds.join(', ')}; usage says ${c.desired})`,
    ),
    { collapseAfter: COLLAPSE_AFTER },
  );
}

function alertBlocks(plan: Plan): Block[] {
  const refusal = plan.safety.refusal
    ? rowsBlock(
        'refusal',
        `> [!WARNING]\n> **Apply will refuse this whole plan without --force:** ${inline(plan.safety.refusal)}\n`,
        [],
      )
    : null;
  return [errorsBlock(plan), refusal, heldBlock(plan), conflictsBlock(plan), doubleBillingBlock(plan)].filter(
    (b): b is Block => b !== null,
  );
}

function unmanagedBlock(plan: Plan): Block | null {
  const lines = unmanagedOf(plan);
  if (lines.length === 0) return null;
  const head = '| customer | agreement | line | quantity | unit price | note |\n|---|---|---|--:|--:|---|\n';
  return rowsBlock(
    'other lines',
    `#### Other lines on these agreements (${lines.length}): not managed by cwsync, never written\n\n${head}`,
    lines.map((u) => {
      const r = unmanagedRow(u);
      return row([r.customer, r.agreement, r.line, r.quantity, r.unitPrice, r.note]);
    }),
    { repeat: head, collapseAfter: COLLAPSE_AFTER },
  );
}

function notBilledBlock(plan: Plan): Block | null {
  if (plan.notBilled.length === 0) return null;
  const head = '| customer | service | users | why | would bill as | value |\n|---|---|--:|---|---|--:|\n';
  return rowsBlock(
    'rows not billed',
    `#### ${notBilledTitle(plan)}\n\nUsage no agreement pays for: bind the customer in customers.yaml, map the service in services.yaml, or fix the binding's error.\n\n${head}`,
    notBilledByValue(plan.notBilled).map((r) => {
      const b = notBilledRow(r);
      return row([b.customer, b.service, b.users, b.why, b.product, b.value]);
    }),
    { repeat: head, collapseAfter: COLLAPSE_AFTER },
  );
}

function laterBlocks(plan: Plan): Block[] {
  const blocks = [unmanagedBlock(plan), notBilledBlock(plan)];
  const warnings = otherWarnings(plan);
  if (warnings.length)
    blocks.push(
      rowsBlock(
        'warnings',
        `#### Warnings (${warnings.length})\n\n`,
        warnings.map((w) => `- ${inline(w.message)}`),
        { collapseAfter: COLLAPSE_AFTER },
      ),
    );
  return blocks.filter((b): b is Block => b !== null);
}

function where(options: MarkdownOptions): string {
  return options.artifactUrl
    ? `[the plan artifact](${encodeURI(options.artifactUrl).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)})`
    : 'the plan artifact of this run';
}

function stamp(plan: Plan, options: MarkdownOptions): string {
  const head = options.headCommit;
  const commit =
    head && /^[0-9a-f]{7,64}$/i.test(head)
      ? `head ${head}`
      : plan.source.commit
        ? `config at ${inline(plan.source.commit.slice(0, 12))}${plan.source.dirty ? ' (uncommitted changes)' : ''}`
        : 'config not in git';
  const scope = plan.scope ? ` · only ${inline(plan.scope.customers.join(', '))}` : '';
  return `<sub>Plan for ${commit}${scope} · ${VOLATILE_START}${inline(usageStamp(plan, options.now))}${VOLATILE_END} · fingerprint ${plan.fingerprint.replace(/[^\w:.-]/g, '')} · amounts in ${CURRENCY} per billing cycle</sub>\n`;
}

export function renderMarkdown(raw: Plan, options: MarkdownOptions = {}): string {
  // Text from the APIs or the config is shown escaped (control and bidi characters): escaped where it enters.
  const plan = shownPlan(raw);
  const limit = options.limit ?? MARKDOWN_LIMIT;
  let head = `### ${inline(options.title ?? 'cwsync plan')}: ${inline(headline(plan))}\n\n`;
  if (plan.scope)
    head += `> [!NOTE]\n> Only ${inline(plan.scope.customers.join(', '))} ${plan.scope.customers.length === 1 ? 'was' : 'were'} planned (--customer); other bindings are not shown.\n\n`;
  const foot = stamp(plan, options);
  const size = limit.toLocaleString('en-US');
  const top = `> [!IMPORTANT]\n> This comment is cut at ${size} characters; the notice at the cut says what is missing. The full plan is in ${where(options)}.\n\n`;
  const notice = (cut: Cut) => {
    const more = cut.remaining ? `${cut.remaining} more ${cut.name} not shown` : `${cut.name} not shown`;
    const later = cut.later.length ? `; also not shown: ${cut.later.join(', ')}` : '';
    return `> [!IMPORTANT]\n> **Cut here: ${more}${later}.** A comment holds at most ${size} characters; the full plan is in ${where(options)}.\n\n`;
  };
  const changes = changesBlocks(plan);
  const blocks = [...alertBlocks(plan), ...changes.first, ...laterBlocks(plan), ...changes.last];
  const body = fitBlocks(blocks, limit - head.length - top.length - foot.length, notice);
  return `${head}${body.cut ? top : ''}${body.text}${foot}`;
}
