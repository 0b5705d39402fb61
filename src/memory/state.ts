/**
 * The in-memory billing system's state: companies, agreements, catalogue items and lines, kept
 * in one JSON file it names (`memory: { state: billing.json }`, relative to the config
 * directory), read when a command connects and written through after every write.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CwsyncError, NotUnderstood } from '../errors.js';

export interface MemoryState {
  companies: Array<{ id: number; identifier: string; name: string; deleted?: boolean }>;
  agreements: Array<{ id: number; name: string; companyId: number; status?: string; cancelled?: boolean }>;
  products: Array<{ id: number; identifier: string; unitPrice?: number | null; inactive?: boolean }>;
  lines: Array<{
    id: number;
    agreementId: number;
    productId: number;
    quantity: number;
    unitPrice?: number | null;
    cancelledDate?: string | null;
  }>;
}

const isRecordList = (v: unknown, fields: Record<string, 'number' | 'string'>) =>
  Array.isArray(v) &&
  v.every(
    (r) =>
      typeof r === 'object' && r !== null && Object.entries(fields).every(([k, t]) => typeof (r as never)[k] === t),
  );

/** What each list of the state must carry, by field and kind. */
const PARTS: Record<keyof MemoryState, Record<string, 'number' | 'string'>> = {
  companies: { id: 'number', identifier: 'string', name: 'string' },
  agreements: { id: 'number', name: 'string', companyId: 'number' },
  products: { id: 'number', identifier: 'string' },
  lines: { id: 'number', agreementId: 'number', productId: 'number', quantity: 'number' },
};

/** What is wrong with a parsed state, in words (which lists, never their content); undefined when nothing. */
function stateProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'JSON that is not an object';
  const wrong = Object.entries(PARTS)
    .filter(([key, fields]) => !isRecordList((data as Record<string, unknown>)[key], fields))
    .map(([key]) => key);
  if (wrong.length === 0) return undefined;
  return `JSON whose ${wrong.join(', ')} ${wrong.length === 1 ? 'is not a list' : 'are not lists'} of those`;
}

/** The state as read, checked: one that is not understood is refused, never read as "nothing billed". */
export function loadState(path: string, display: string): MemoryState {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // JSON.parse's message quotes the file's first characters: only the kind of failure is told.
    const why =
      err instanceof SyntaxError ? 'it is not JSON' : ((err as NodeJS.ErrnoException).code ?? 'it cannot be opened');
    throw new CwsyncError(`the in-memory billing system's state ${display} cannot be read: ${why}`, {
      hint: 'memory.state in cwsync.yaml names a JSON file of companies, agreements, products and lines',
    });
  }
  const s = data as MemoryState;
  const got = stateProblem(data);
  if (got)
    throw new NotUnderstood({
      from: `the in-memory billing system's state ${display}`,
      expected:
        'companies (id, identifier, name), agreements (id, name, companyId), products (id, identifier) and lines (id, agreementId, productId, quantity)',
      got,
      hint: 'memory.state in cwsync.yaml names a JSON file of companies, agreements, products and lines',
    });
  return s;
}

/** Written whole to a temporary file, then renamed over the state: a crash leaves the old or the new, never half. */
export function saveState(path: string, state: MemoryState): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}
