/**
 * The nightly's one pull request of proposed bindings for new customers, on the branch
 * cwsync/new-customers. A hidden marker in its body records the customers it proposed, the
 * file it added and a hash of what cwsync wrote there:
 * - none open: open one (branch reset to the default branch's head, one new file);
 * - one open: update its file and body when the proposal changed; once a person has edited
 *   the file on the branch (the hash differs), leave it alone;
 * - closed or merged ones are never reopened or written to; the customers they proposed are
 *   not proposed again ("closed" means "not these"); a later new customer opens a new one.
 */
import { createHash } from 'node:crypto';
import { CwsyncError } from '../errors.js';
import { plural } from '../words.js';
import type { GitHubApi } from './api.js';

export const BRANCH = 'cwsync/new-customers';
const MARKER = 'cwsync:new-customers';
/** GitHub refuses bodies over 65,536 characters. */
const MAX_BODY = 60_000;

export interface Marker {
  customers: number[];
  file: string;
  sha256: string;
}

interface NewCustomersFile {
  /** Customer ids the file proposes bindings for (accepted, to review or unmatched). */
  customers: number[];
  content: string;
  /** Markdown describing the proposal, for the pull request body. */
  summary: string;
}

export interface NewCustomersRequest {
  /** The repository directory of the new file, e.g. "config/customers". */
  dir: string;
  /** YYYY-MM-DD, in the name of a new pull request's file. */
  date: string;
  /** Unbound customers with usage, by id. */
  candidates: number[];
  /** The file for these candidates (a subset of them). */
  render(customers: number[]): NewCustomersFile;
}

export type NewCustomersOutcome =
  | { kind: 'opened' | 'updated' | 'unchanged'; number: number; url?: string; customers: number[]; declined: number[] }
  | { kind: 'kept'; number: number; url?: string; reason: string }
  | { kind: 'nothing'; reason: string; declined: number[] };

interface PullRecord {
  number: number;
  state: string;
  merged_at?: string | null;
  body?: string | null;
  html_url?: string;
  head?: { ref?: string; sha?: string; repo?: { full_name?: string } | null };
}

interface OurPull extends PullRecord {
  marker?: Marker;
}

interface ContentRecord {
  sha?: string;
  content?: string;
  encoding?: string;
  type?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function markerOf(body: string | null | undefined): Marker | undefined {
  const m = new RegExp(`<!-- ${MARKER} (\\{.*?\\}) -->`).exec(body ?? '');
  if (!m) return undefined;
  try {
    const v = JSON.parse(m[1]!) as Partial<Marker>;
    const ok =
      Array.isArray(v.customers) &&
      v.customers.every((c) => Number.isInteger(c)) &&
      typeof v.file === 'string' &&
      typeof v.sha256 === 'string';
    return ok ? { customers: v.customers!, file: v.file!, sha256: v.sha256! } : undefined;
  } catch {
    return undefined;
  }
}

function pullBody(marker: Marker, summary: string, declined: number[]): string {
  const head = `<!-- ${MARKER} ${JSON.stringify(marker)} -->`;
  const lines = [
    head,
    `cwsync found Mailprotector customers with usage that no binding names. This pull request adds \`${marker.file}\` with the bindings it proposes.`,
    '',
    summary.trimEnd(),
    '',
    '**Review the file** (each binding says how it matched and its score), edit it on this branch if needed, and merge.',
    'Closing without merging means "not these customers": cwsync will not propose them again; a later new customer opens a new pull request.',
    '',
    `_cwsync updates this pull request nightly while it is open; once the file is edited on the branch, cwsync leaves it alone._${declined.length > 0 ? `\n_${plural(declined.length, 'customer')} declined in closed pull requests ${declined.length === 1 ? 'is' : 'are'} left out._` : ''}`,
  ];
  const body = `${lines.join('\n')}\n`;
  return body.length <= MAX_BODY
    ? body
    : `${head}\n${body.slice(head.length + 1, MAX_BODY)}\n\n_… cut: see the file._\n`;
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
const decode = (c: ContentRecord) =>
  Buffer.from(c.content ?? '', (c.encoding ?? 'base64') as BufferEncoding).toString('utf8');

export async function upsertNewCustomersPullRequest(
  gh: GitHubApi,
  request: NewCustomersRequest,
): Promise<NewCustomersOutcome> {
  const owner = gh.repo.repository.split('/')[0]!;
  const fromBranch = (
    await gh.list<PullRecord>(
      `/pulls?state=all&head=${encodeURIComponent(`${owner}:${BRANCH}`)}&per_page=100`,
      `list pull requests from ${BRANCH}`,
      `close or delete old pull requests from ${BRANCH}, then run again`,
    )
  ).filter((p) => p.head?.ref === BRANCH && p.head.repo?.full_name?.toLowerCase() === gh.repo.repository.toLowerCase());
  const ours: OurPull[] = fromBranch.map((p) => ({ ...p, marker: markerOf(p.body) }));
  const foreign = ours.find((p) => p.state === 'open' && !p.marker);
  if (foreign)
    throw new CwsyncError(`pull request #${foreign.number} is open from ${BRANCH} but cwsync did not open it`, {
      hint: `close it or rename its branch; cwsync keeps ${BRANCH} for its own proposals`,
    });
  const declined = [...new Set(ours.filter((p) => p.state !== 'open').flatMap((p) => p.marker?.customers ?? []))];
  const candidates = [...request.candidates].sort((a, b) => a - b);
  const wanted = candidates.filter((id) => !declined.includes(id));
  const declinedHere = candidates.filter((id) => declined.includes(id));
  const open = ours.find((p) => p.state === 'open');
  if (wanted.length === 0)
    return {
      kind: 'nothing',
      reason:
        request.candidates.length === 0
          ? 'every Mailprotector customer with usage is bound'
          : 'the unbound customers with usage were all proposed before, in pull requests since closed',
      declined: declinedHere,
    };
  return open ? update(gh, open, request, wanted, declinedHere) : openNew(gh, ours, request, wanted, declinedHere);
}

async function update(
  gh: GitHubApi,
  pull: OurPull,
  request: NewCustomersRequest,
  wanted: number[],
  declined: number[],
): Promise<NewCustomersOutcome> {
  const marker = pull.marker!;
  const current = await gh.find<ContentRecord>(
    `/contents/${encodePath(marker.file)}?ref=${encodeURIComponent(BRANCH)}`,
    `read ${marker.file} on ${BRANCH}`,
  );
  const text = current && current.type !== 'dir' ? decode(current) : undefined;
  if (text === undefined || sha256(text) !== marker.sha256)
    return {
      kind: 'kept',
      number: pull.number,
      url: pull.html_url,
      reason: `${marker.file} was ${text === undefined ? 'removed' : 'edited'} on ${BRANCH}; cwsync leaves a reviewed proposal alone`,
    };
  const file = request.render(wanted);
  const next: Marker = { customers: file.customers, file: marker.file, sha256: sha256(file.content) };
  const body = pullBody(next, file.summary, declined);
  if (file.content === text && body === pull.body)
    return { kind: 'unchanged', number: pull.number, url: pull.html_url, customers: file.customers, declined };
  if (file.content !== text)
    await gh.request('PUT', `/contents/${encodePath(marker.file)}`, `update ${marker.file} on ${BRANCH}`, {
      message: `cwsync: proposed bindings for ${plural(file.customers.length, 'new customer')}`,
      content: Buffer.from(file.content, 'utf8').toString('base64'),
      sha: current!.sha,
      branch: BRANCH,
    });
  await gh.request('PATCH', `/pulls/${pull.number}`, `update pull request #${pull.number}`, { body });
  return { kind: 'updated', number: pull.number, url: pull.html_url, customers: file.customers, declined };
}

async function openNew(
  gh: GitHubApi,
  ours: OurPull[],
  request: NewCustomersRequest,
  wanted: number[],
  declined: number[],
): Promise<NewCustomersOutcome> {
  const repo = await gh.request<{ default_branch?: string }>('GET', '', 'read the repository');
  const base = repo.body?.default_branch;
  if (typeof base !== 'string' || !base)
    throw gh.notUnderstood(
      'GET',
      '',
      'read the repository',
      repo,
      'a repository with a default_branch',
      'check GITHUB_API_URL and GITHUB_REPOSITORY',
    );
  const refPath = `/git/ref/heads/${encodePath(base)}`;
  const ref = await gh.request<{ object?: { sha?: string } }>('GET', refPath, `read branch ${base}`);
  const baseSha = ref.body?.object?.sha;
  if (typeof baseSha !== 'string')
    throw gh.notUnderstood(
      'GET',
      refPath,
      `read branch ${base}`,
      ref,
      'a ref with object/sha',
      'check GITHUB_API_URL and GITHUB_REPOSITORY',
    );
  const path = await freePath(gh, request, base);
  const branch = await gh.find<{ object?: { sha?: string } }>(
    `/git/ref/heads/${encodePath(BRANCH)}`,
    `read branch ${BRANCH}`,
  );
  if (branch) {
    // Reset only a branch that still points where one of our closed pull requests left it.
    const sha = branch.object?.sha;
    if (!ours.some((p) => p.marker && p.head?.sha === sha))
      throw new CwsyncError(`branch ${BRANCH} exists and holds commits no cwsync pull request proposed`, {
        hint: `delete the branch ${BRANCH} (or rename it to keep its work), then run again`,
      });
    await gh.request('PATCH', `/git/refs/heads/${encodePath(BRANCH)}`, `reset branch ${BRANCH}`, {
      sha: baseSha,
      force: true,
    });
  } else
    await gh.request('POST', '/git/refs', `create branch ${BRANCH}`, { ref: `refs/heads/${BRANCH}`, sha: baseSha });
  const file = request.render(wanted);
  await gh.request('PUT', `/contents/${encodePath(path)}`, `add ${path} on ${BRANCH}`, {
    message: `cwsync: proposed bindings for ${plural(file.customers.length, 'new customer')}`,
    content: Buffer.from(file.content, 'utf8').toString('base64'),
    branch: BRANCH,
  });
  const marker: Marker = { customers: file.customers, file: path, sha256: sha256(file.content) };
  const created = await gh.request<{ number?: number; html_url?: string }>(
    'POST',
    '/pulls',
    `open a pull request from ${BRANCH}`,
    {
      title: `cwsync: bindings for ${plural(file.customers.length, 'new Mailprotector customer')}`,
      head: BRANCH,
      base,
      body: pullBody(marker, file.summary, declined),
    },
  );
  const number = created.body?.number;
  if (typeof number !== 'number')
    throw gh.notUnderstood(
      'POST',
      '/pulls',
      `open a pull request from ${BRANCH}`,
      created,
      'a pull request with a number',
      `the pull request may have been opened: look for the one from ${BRANCH} in the repository`,
    );
  return { kind: 'opened', number, url: created.body.html_url, customers: file.customers, declined };
}

/** The new file's path, one the default branch does not have yet. */
async function freePath(gh: GitHubApi, request: NewCustomersRequest, base: string): Promise<string> {
  const dir = request.dir.replace(/^\/+|\/+$/g, '');
  for (let n = 1; n < 20; n++) {
    const path = `${dir ? `${dir}/` : ''}new-customers-${request.date}${n === 1 ? '' : `-${n}`}.yaml`;
    const there = await gh.find(`/contents/${encodePath(path)}?ref=${encodeURIComponent(base)}`, `look for ${path}`);
    if (!there) return path;
  }
  throw new CwsyncError(`${dir}/ already has 19 new-customers files dated ${request.date}`, {
    hint: 'remove or rename some of them',
  });
}
