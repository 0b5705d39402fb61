/**
 * A tiny fake of the GitHub REST API on loopback, enough for the new-customers pull request:
 * the repository, git refs, the contents API (commits per branch), and pull requests with
 * open / closed / merged states. Tests merge or close pull requests and edit files as people
 * would, then count the requests cwsync made.
 */
import { createHash } from 'node:crypto';
import { type FakeServer, json, type ParsedRequest, type Reply, startServer } from '../../src/sandbox/harness.js';

interface FakePull {
  number: number;
  state: 'open' | 'closed';
  merged_at: string | null;
  title: string;
  body: string;
  head: { ref: string; sha: string; repo: { full_name: string } };
  base: { ref: string };
  html_url: string;
}

interface FakeRepo {
  fullName: string;
  token: string;
  defaultBranch: string;
  /** commit sha -> files (path -> content) */
  commits: Map<string, Map<string, string>>;
  /** branch -> commit sha */
  branches: Map<string, string>;
  pulls: FakePull[];
}

export interface FakeGitHub extends FakeServer {
  repo: FakeRepo;
  fileOn(branch: string, path: string): string | undefined;
  /** A person commits on a branch. */
  commit(branch: string, path: string, content: string): void;
  mergePull(number: number): void;
  closePull(number: number): void;
  /** Requests that changed something. */
  writes(): Array<{ method: string; path: string }>;
}

const blobSha = (content: string) => createHash('sha1').update(content).digest('hex');
const notFound = () => json(404, { message: 'Not Found' });

/** What the route handlers share: the repository, and how a commit lands on a branch. */
interface Ctx {
  repo: FakeRepo;
  origin: () => string;
  commitOn(branch: string, path: string, content: string): string;
  filesOf(branch: string): Map<string, string> | undefined;
}

type Body = Record<string, unknown>;
type Route = {
  method: string;
  path: RegExp;
  handle: (ctx: Ctx, req: ParsedRequest, m: RegExpExecArray, body: Body) => Reply;
};

function listPulls({ repo, origin }: Ctx, req: ParsedRequest): Reply {
  const head = req.query.get('head');
  const state = req.query.get('state') ?? 'open';
  const perPage = Number(req.query.get('per_page') ?? 30);
  const page = Number(req.query.get('page') ?? 1);
  const rows = repo.pulls
    .filter((p) => state === 'all' || p.state === state)
    .filter((p) => !head || head === `${repo.fullName.split('/')[0]}:${p.head.ref}`)
    .sort((a, b) => b.number - a.number);
  const slice = rows.slice((page - 1) * perPage, page * perPage);
  const more = page * perPage < rows.length;
  const next = new URLSearchParams(req.query);
  next.set('page', String(page + 1));
  return json(200, slice, more ? { link: `<${origin()}${req.path}?${next}>; rel="next"` } : {});
}

function createPull({ repo }: Ctx, _req: ParsedRequest, _m: RegExpExecArray, body: Body): Reply {
  const headRef = String(body.head);
  if (!repo.branches.has(headRef)) return json(422, { message: 'Validation Failed', errors: [{ field: 'head' }] });
  if (repo.pulls.some((p) => p.state === 'open' && p.head.ref === headRef && p.base.ref === body.base))
    return json(422, { message: `A pull request already exists for ${headRef}.` });
  const number = repo.pulls.length + 1;
  const pull: FakePull = {
    number,
    state: 'open',
    merged_at: null,
    title: String(body.title),
    body: String(body.body ?? ''),
    head: { ref: headRef, sha: repo.branches.get(headRef)!, repo: { full_name: repo.fullName } },
    base: { ref: String(body.base) },
    html_url: `https://github.example/${repo.fullName}/pull/${number}`,
  };
  repo.pulls.push(pull);
  return json(201, pull);
}

function editPull({ repo }: Ctx, _req: ParsedRequest, m: RegExpExecArray, body: Body): Reply {
  const pull = repo.pulls.find((p) => p.number === Number(m[1]));
  if (!pull) return notFound();
  if (typeof body.body === 'string') pull.body = body.body;
  if (typeof body.title === 'string') pull.title = body.title;
  if (body.state === 'open' || body.state === 'closed') pull.state = body.state;
  return json(200, pull);
}

function getRef({ repo }: Ctx, _req: ParsedRequest, m: RegExpExecArray): Reply {
  const sha = repo.branches.get(m[1]!);
  return sha ? json(200, { ref: `refs/heads/${m[1]}`, object: { sha, type: 'commit' } }) : notFound();
}

function moveRef({ repo }: Ctx, _req: ParsedRequest, m: RegExpExecArray, body: Body): Reply {
  if (!repo.branches.has(m[1]!)) return json(422, { message: 'Reference does not exist' });
  if (!repo.commits.has(String(body.sha))) return json(422, { message: 'Object does not exist' });
  if (body.force !== true) return json(422, { message: 'Update is not a fast forward' });
  repo.branches.set(m[1]!, String(body.sha));
  return json(200, { ref: `refs/heads/${m[1]}`, object: { sha: body.sha } });
}

function createRef({ repo }: Ctx, _req: ParsedRequest, _m: RegExpExecArray, body: Body): Reply {
  const name = String(body.ref).replace(/^refs\/heads\//, '');
  if (repo.branches.has(name)) return json(422, { message: 'Reference already exists' });
  if (!repo.commits.has(String(body.sha))) return json(422, { message: 'Object does not exist' });
  repo.branches.set(name, String(body.sha));
  return json(201, { ref: body.ref, object: { sha: body.sha } });
}

function getContents({ repo, filesOf }: Ctx, req: ParsedRequest, m: RegExpExecArray): Reply {
  const content = filesOf(req.query.get('ref') ?? repo.defaultBranch)?.get(m[1]!);
  if (content === undefined) return notFound();
  const b64 = Buffer.from(content)
    .toString('base64')
    .replace(/(.{60})/g, '$1\n');
  return json(200, { type: 'file', path: m[1], sha: blobSha(content), content: b64, encoding: 'base64' });
}

/** A file created or updated on a branch: an update must name the blob it replaces, a create must not. */
function putContents({ repo, filesOf, commitOn }: Ctx, _req: ParsedRequest, m: RegExpExecArray, body: Body): Reply {
  const branch = String(body.branch ?? repo.defaultBranch);
  const files = filesOf(branch);
  if (!files) return json(404, { message: `Branch ${branch} not found` });
  const existing = files.get(m[1]!);
  if (existing !== undefined && body.sha !== blobSha(existing))
    return json(409, { message: `${m[1]} does not match ${String(body.sha)}` });
  if (existing === undefined && body.sha !== undefined) return json(422, { message: 'sha given for a new file' });
  const text = Buffer.from(String(body.content), 'base64').toString('utf8');
  const sha = commitOn(branch, m[1]!, text);
  return json(existing === undefined ? 201 : 200, { content: { path: m[1], sha: blobSha(text) }, commit: { sha } });
}

/** Paths below /repos/{owner}/{name}. */
const ROUTES: Route[] = [
  {
    method: 'GET',
    path: /^$/,
    handle: ({ repo }) => json(200, { full_name: repo.fullName, default_branch: repo.defaultBranch }),
  },
  { method: 'GET', path: /^\/pulls$/, handle: listPulls },
  { method: 'POST', path: /^\/pulls$/, handle: createPull },
  { method: 'PATCH', path: /^\/pulls\/(\d+)$/, handle: editPull },
  { method: 'GET', path: /^\/git\/refs?\/heads\/(.+)$/, handle: getRef },
  { method: 'PATCH', path: /^\/git\/refs?\/heads\/(.+)$/, handle: moveRef },
  { method: 'POST', path: /^\/git\/refs$/, handle: createRef },
  { method: 'GET', path: /^\/contents\/(.+)$/, handle: getContents },
  { method: 'PUT', path: /^\/contents\/(.+)$/, handle: putContents },
];

function route(ctx: Ctx, req: ParsedRequest): Reply {
  if (req.headers.authorization !== `Bearer ${ctx.repo.token}`) return json(401, { message: 'Bad credentials' });
  const prefix = `/repos/${ctx.repo.fullName}`;
  if (!req.path.startsWith(prefix)) return notFound();
  const rest = decodeURIComponent(req.path.slice(prefix.length));
  for (const r of ROUTES) {
    const m = req.method === r.method ? r.path.exec(rest) : null;
    if (m) return r.handle(ctx, req, m, (req.body ?? {}) as Body);
  }
  return json(404, { message: `no route for ${req.method} ${req.path}` });
}

export async function startFakeGitHub(fullName = 'msp/config', token = 'ghs_fake'): Promise<FakeGitHub> {
  let counter = 0;
  const newSha = () => createHash('sha1').update(`commit ${++counter}`).digest('hex');
  const root = newSha();
  const repo: FakeRepo = {
    fullName,
    token,
    defaultBranch: 'main',
    commits: new Map([[root, new Map([['config/cwsync.yaml', 'connectwise: {}\n']])]]),
    branches: new Map([['main', root]]),
    pulls: [],
  };
  let origin = '';
  const commitOn = (branch: string, path: string, content: string) => {
    const files = new Map(repo.commits.get(repo.branches.get(branch)!)!);
    files.set(path, content);
    const sha = newSha();
    repo.commits.set(sha, files);
    repo.branches.set(branch, sha);
    for (const p of repo.pulls) if (p.state === 'open' && p.head.ref === branch) p.head.sha = sha;
    return sha;
  };
  const filesOf = (branch: string) => {
    const sha = repo.branches.get(branch);
    return sha ? repo.commits.get(sha) : undefined;
  };
  const ctx: Ctx = { repo, origin: () => origin, commitOn, filesOf };

  const server = await startServer((req) => route(ctx, req));
  origin = server.origin;
  return Object.assign(server, {
    repo,
    fileOn: (branch: string, path: string) => filesOf(branch)?.get(path),
    commit: (branch: string, path: string, content: string) => void commitOn(branch, path, content),
    mergePull: (number: number) => {
      const pull = repo.pulls.find((p) => p.number === number)!;
      for (const [path, content] of filesOf(pull.head.ref)!)
        if (filesOf(repo.defaultBranch)!.get(path) !== content) commitOn(repo.defaultBranch, path, content);
      pull.state = 'closed';
      pull.merged_at = '2026-11-27T09:00:00Z';
    },
    closePull: (number: number) => {
      repo.pulls.find((p) => p.number === number)!.state = 'closed';
    },
    writes: () => server.requests.filter((r) => r.method !== 'GET').map((r) => ({ method: r.method, path: r.path })),
  });
}
