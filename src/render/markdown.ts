/**
 * The plan for a pull request, in the order a reviewer needs it: one verdict line with the
 * money; errors, the refusal and held changes, visible; every change in one flat table; what
 * is not billed; other warnings; a stamp (head commit, when and where usage was read, the
 * fingerprint). Long sections collapse after their first rows; a cut at the size limit closes
 * what is open and says where the full plan is.
 */
import type { Plan } from '../reconcile/types.js';
import { plural } from '../words.js';
import { type Block, COLLAPSE_AFTER, type Cut, fitBlocks, rowsBlock } from './budget.js';
import {
  changeRow,
  headline,
  notBilledByValue,
  notBilledRow,
  notBilledTitle,
  otherWarnings,
  usageStamp,
} from './group.js';
import { CURRENCY } from './money.js';

export const MARKDOWN_LIMIT = 60_000;

/** Wraps what changes between two runs of the same plan (when usage was read), so a comparison can skip it. */
export const VOLATILE_START = '<!-- cwsync:volatile -->';
export const VOLATILE_END = '<!-- /cwsync:volatile -->';

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
export function inline(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const row = (cells: Array<string | number>) => `| ${cells.map((c) => inline(String(c))).join(' | ')} |`;
const CHANGE_HEAD =
  '| customer | agreement | product | before → after | delta | price change |\n|---|---|---|---|--:|--:|\n';

function changesBlock(plan: Plan): Block | null {
  if (plan.actions.length === 0) return null;
  const rows = plan.actions.map((a) => {
    const r = changeRow(a, '→');
    return row([r.customer, r.agreement, r.product, r.quantities, r.delta, r.price]);
  });
  return rowsBlock('changes', `#### Changes (${plan.actions.length})\n\n${CHANGE_HEAD}`, rows, { repeat: CHANGE_HEAD });
}

function alertBlocks(plan: Plan): Block[] {
  const blocks: Block[] = [];
  if (plan.errors.length) {
    const n = plan.errors.length;
    blocks.push(
      rowsBlock(
        'errors',
        `> [!CAUTION]\n> **${plural(n, 'error')}: nothing is planned for ${n === 1 ? 'this binding' : 'these bindings'}; fix and push again**\n`,
        plan.errors.map(
          (e) =>
            `> - ${e.customer ? `**${inline(e.customer)}** ` : ''}at ${inline(e.where)}: ${inline(e.message)}${e.fix ? `. Fix: ${inline(e.fix)}` : ''}`,
        ),
      ),
    );
  }
  if (plan.safety.refusal)
    blocks.push(
      rowsBlock(
        'refusal',
        `> [!WARNING]\n> **Apply will refuse this whole plan without --force:** ${inline(plan.safety.refusal)}\n`,
        [],
      ),
    );
  if (plan.held.length) {
    const n = plan.held.length;
    const head =
      '| customer | agreement | product | before → after | delta | price change | why held |\n|---|---|---|---|--:|--:|---|\n';
    blocks.push(
      rowsBlock(
        'held changes',
        `> [!WARNING]\n> **${plural(n, 'change')} held**: a change over a safety limit (a large decrease or increase, or a quantity above maxQuantity) is not applied unless apply runs with --force, and is not in the total.\n\n${head}`,
        plan.held.map((h) => {
          const r = changeRow(h, '→');
          return row([r.customer, r.agreement, r.product, r.quantities, r.delta, r.price, h.reason]);
        }),
        { repeat: head, collapseAfter: COLLAPSE_AFTER },
      ),
    );
  }
  return blocks;
}

function laterBlocks(plan: Plan): Block[] {
  const blocks: Block[] = [];
  if (plan.conflicts.length)
    blocks.push(
      rowsBlock(
        'conflicts',
        `#### Conflicts (${plan.conflicts.length}): reported, never touched\n\n`,
        plan.conflicts.map(
          (c) =>
            `- **${inline(c.customer)}** (${inline(`${c.company.identifier} / ${c.agreement.name}`)}): ${inline(c.reason)} (additions ${c.additionIds.join(', ')}; usage says ${c.desired})`,
        ),
        { collapseAfter: COLLAPSE_AFTER },
      ),
    );
  if (plan.notBilled.length) {
    const head = '| customer | service | users | would bill as | value |\n|---|---|--:|---|--:|\n';
    blocks.push(
      rowsBlock(
        'rows not billed',
        `#### ${notBilledTitle(plan)}\n\nUsage no agreement pays for: bind the customer in customers.yaml, or map the service in services.yaml.\n\n${head}`,
        notBilledByValue(plan.notBilled).map((r) => {
          const b = notBilledRow(r);
          return row([b.customer, b.service, b.users, b.product, b.value]);
        }),
        { repeat: head, collapseAfter: COLLAPSE_AFTER },
      ),
    );
  }
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
  return blocks;
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

export function renderMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
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
  const blocks = [...alertBlocks(plan), changesBlock(plan), ...laterBlocks(plan)].filter((b): b is Block => b !== null);
  const body = fitBlocks(blocks, limit - head.length - top.length - foot.length, notice);
  return `${head}${body.cut ? top : ''}${body.text}${foot}`;
}
