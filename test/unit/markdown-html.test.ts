/**
 * The comment as GitHub would show it: real plans (the demo, and 300 generated customers with
 * half their additions off) rendered to markdown, then to HTML with markdown-it. The HTML must
 * have balanced tags, show every change of the demo without opening anything, and stay under
 * the size limit with a visible notice, wherever the cut falls.
 */
import MarkdownIt from 'markdown-it';
import { beforeAll, describe, expect, it } from 'vitest';
import { commentBody, MAX_BODY } from '../../src/github/comment.js';
import type { Plan } from '../../src/reconcile/types.js';
import { MARKDOWN_LIMIT, renderMarkdown } from '../../src/render/markdown.js';
import { moneyChange } from '../../src/render/money.js';
import { bigPlan, demoPlan, NOW } from '../helpers/rendered-plans.js';

const HEAD = '9fceb02d0ae598e95dc970b74767f19372d61af8';
const html = (md: string) => new MarkdownIt({ html: true }).render(md);
const VOID = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'wbr']);

/** Every tag closed in order; returns what is wrong, [] when balanced. */
function unbalanced(doc: string): string[] {
  const stack: string[] = [];
  const problems: string[] = [];
  for (const m of doc.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*>/g)) {
    const [, close, name] = m;
    const tag = name!.toLowerCase();
    if (VOID.has(tag)) continue;
    if (!close) stack.push(tag);
    else if (stack.at(-1) === tag) stack.pop();
    else problems.push(`</${tag}> at ${m.index} while <${stack.at(-1)}> is open`);
  }
  return [...problems, ...stack.map((t) => `<${t}> never closed`)];
}
/** What shows without opening any <details> (markdown-it leaves <details> as written). */
const visible = (doc: string) => doc.replace(/<details>[\s\S]*?<\/details>/g, '');

let demo: Plan;
let big: Plan;
beforeAll(async () => {
  demo = await demoPlan();
  big = await bigPlan();
}, 60_000);

describe('the demo plan as a comment', () => {
  it('is balanced HTML that shows every change and the money without opening anything', () => {
    const md = renderMarkdown(demo, { headCommit: HEAD, now: NOW });
    const doc = html(md);
    expect(unbalanced(doc)).toEqual([]);
    expect(demo.actions.length).toBeGreaterThan(0);
    expect(doc).not.toContain('<details>');
    const shown = visible(doc);
    expect(shown).toContain(`cwsync plan: ${demo.actions.length} changes on`);
    expect(shown).toContain(`${moneyChange(demo.summary.priceChange)} per billing cycle`);
    for (const a of demo.actions)
      expect(shown).toContain(
        `<td>${a.customer}</td>\n<td>${a.company.identifier} / ${a.agreement.name}</td>\n<td>${a.product.identifier}</td>\n<td>${a.before ?? 'new'} → ${a.after}`,
      );
    for (const r of demo.notBilled)
      expect(shown).toContain(`<td>${r.service}</td>\n<td style="text-align:right">${r.users}</td>`);
    expect(shown).toContain(`Plan for head ${HEAD}`);
    expect(md.length).toBeLessThan(MARKDOWN_LIMIT);
    expect(md).not.toContain('Cut here');
  });
});

describe('300 customers as a comment', () => {
  it('stays under the limit with a visible notice, errors and held changes first, balanced', () => {
    const md = renderMarkdown(big, { headCommit: HEAD, now: NOW });
    const body = commentBody(md);
    expect(big.actions.length).toBeGreaterThan(400);
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    expect(body).toBe(`<!-- cwsync:plan-comment -->\n${md.trimEnd()}\n`);
    const doc = html(body);
    expect(unbalanced(doc)).toEqual([]);
    const shown = visible(doc);
    expect(shown).toContain('This comment is cut at 60,000 characters');
    expect(shown).toMatch(/<strong>Cut here: \d+ more changes not shown\.<\/strong>/);
    const first = ['CAUTION', 'held</strong>', '<h4>Changes', '<h4>Not billed', '<h4>Every change', 'Cut here'].map(
      (s) => shown.indexOf(s),
    );
    expect(first.every((i) => i > 0)).toBe(true);
    expect([...first].sort((a, b) => a - b)).toEqual(first);
    expect(shown).toContain('</sub>');
  });

  it('opens on one screen: the verdict, the problems, one row per customer for the first 20, what is not billed', () => {
    const doc = html(renderMarkdown(big, { headCommit: HEAD, now: NOW }));
    const shown = visible(doc);
    const rows = (shown.match(/<tr>/g) ?? []).length;
    // Header rows included: held (2 + 1), customers (20 + 1), not billed (20 + 1); never the 721 changes.
    expect(rows).toBeLessThanOrEqual(50);
    expect(shown).toMatch(/<h4>Changes: \d+ for \d+ customers<\/h4>/);
    expect(shown).toMatch(
      /<strong>increases \+\$[\d,.]+ · decreases -\$[\d,.]+ · net \+\$[\d,.]+ per billing cycle<\/strong>/,
    );
    expect(shown).toContain('<th>customer</th>\n<th>agreement</th>\n<th style="text-align:right">changes</th>');
    expect(shown).not.toContain('(across customers)');
    expect(doc).toContain(`<summary>${big.actions.length} changes by customer, with unit prices and reasons</summary>`);
  });

  it('stays balanced, under the limit and with the notice outside <details> wherever the cut falls', () => {
    const notBilled = renderMarkdown(big, { limit: 10_000_000 });
    expect(notBilled).toContain('<details><summary>'); // the long not-billed section collapses after 20 rows
    for (let limit = 4_000; limit <= notBilled.length + 500; limit += 3_217) {
      const md = renderMarkdown(big, { limit, headCommit: HEAD, now: NOW });
      expect(md.length, `limit ${limit}`).toBeLessThanOrEqual(limit);
      const doc = html(md);
      expect(unbalanced(doc), `limit ${limit}`).toEqual([]);
      if (md.length < notBilled.length) expect(visible(doc), `limit ${limit}`).toContain('Cut here');
    }
  });
});
