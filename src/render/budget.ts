/**
 * Markdown built piece by piece under a size limit. Each piece says what must follow it if the
 * document stops right after it (end the table, close the <details>), so a cut never leaves a
 * tag or a table open and the notice always lands outside any collapsed section.
 */
interface Piece {
  text: string;
  /** What closes everything this piece leaves open. */
  closer: string;
  /** Counts as one row of its block in the "N more" notice. */
  row?: boolean;
}

export interface Block {
  /** Plural noun for the notice, e.g. "changes". */
  name: string;
  pieces: Piece[];
}

export const COLLAPSE_AFTER = 20;

/**
 * A section whose rows are all visible up to `collapseAfter`; the rest sit in one <details>
 * (after the first screen, never instead of it). `repeat` is the table header to repeat inside.
 */
export function rowsBlock(
  name: string,
  intro: string,
  rows: readonly string[],
  options: { repeat?: string; collapseAfter?: number; summary?: string } = {},
): Block {
  const visible = options.collapseAfter ?? Number.POSITIVE_INFINITY;
  const pieces: Piece[] = [{ text: intro, closer: '\n' }];
  for (const row of rows.slice(0, visible)) pieces.push({ text: `${row}\n`, closer: '\n', row: true });
  const rest = rows.slice(visible);
  if (rest.length === 0) {
    pieces.push({ text: '\n', closer: '' });
    return { name, pieces };
  }
  const close = '\n</details>\n\n';
  pieces.push({
    text: `\n<details><summary>${options.summary ?? `${rest.length} more ${name}`}</summary>\n\n${options.repeat ?? ''}`,
    closer: close,
  });
  for (const row of rest) pieces.push({ text: `${row}\n`, closer: close, row: true });
  pieces.push({ text: close, closer: '' });
  return { name, pieces };
}

export interface Cut {
  /** Rows of the block being written that are not shown. */
  remaining: number;
  name: string;
  /** Blocks after it, not shown at all. */
  later: string[];
}

/** Writes the blocks while they fit in `limit` characters, keeping room for the notice and the foot. */
export function fitBlocks(
  blocks: readonly Block[],
  limit: number,
  notice: (cut: Cut) => string,
): { text: string; cut: Cut | null } {
  const totalRows = blocks.reduce((n, b) => n + b.pieces.filter((p) => p.row).length, 0);
  const names = blocks.map((b) => b.name);
  const longest = names.reduce((a, b) => (b.length > a.length ? b : a), '');
  const reserve = notice({ remaining: totalRows, name: longest, later: names }).length;
  let text = '';
  let closer = '';
  for (const [bi, block] of blocks.entries()) {
    for (const [pi, piece] of block.pieces.entries()) {
      if (text.length + piece.text.length + piece.closer.length + reserve <= limit) {
        text += piece.text;
        closer = piece.closer;
        continue;
      }
      const cut: Cut = {
        remaining: block.pieces.slice(pi).filter((p) => p.row).length,
        name: block.name,
        later: blocks.slice(bi + 1).map((b) => b.name),
      };
      return { text: text + closer + notice(cut), cut };
    }
  }
  return { text, cut: null };
}
