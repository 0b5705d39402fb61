/**
 * What both fake servers share: a loopback HTTP server, a log of every request served (so
 * tests can count and inspect calls), latency, and fault injection (status bursts with
 * Retry-After, dropped connections, slow answers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
  /** When the request arrived (ms since epoch). */
  at: number;
}

export interface Fault {
  method?: string;
  /** A substring or pattern of the path (without query). */
  path?: string | RegExp;
  /** How many matching requests it affects; then it is spent. */
  times: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body sent as is instead of `body` as JSON: an HTML page, a cut-off document. */
  raw?: string;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** Serve normally, then destroy the socket so the client never sees the answer. */
  dropAfterServing?: boolean;
  delayMs?: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is instead of the JSON of `body` (an HTML page, a cut-off document). */
  raw?: string;
  /** Announce the whole body, send this many bytes of it, then drop the connection. */
  cutAfterBytes?: number;
  /** Drop the connection without answering. */
  drop?: boolean;
}

export type Handler = (req: ParsedRequest) => Reply | Promise<Reply>;

export interface ParsedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: RecordedRequest[];
  faults: Fault[];
  /** Extra latency for every request, in ms. */
  latencyMs: number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function takeFault(faults: Fault[], method: string, path: string): Fault | undefined {
  const f = faults.find(
    (x) =>
      x.times > 0 &&
      (!x.method || x.method === method) &&
      (!x.path || (typeof x.path === 'string' ? path.includes(x.path) : x.path.test(path))),
  );
  if (f) f.times--;
  return f;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The handler's reply, or the fault's; a handler that throws is a 500 naming why. */
async function replyFor(handler: Handler, req: ParsedRequest, fault: Fault | undefined): Promise<Reply> {
  if (fault?.status) return { status: fault.status, body: fault.body, headers: fault.headers, raw: fault.raw };
  try {
    return await handler(req);
  } catch (err) {
    return {
      status: 500,
      body: {
        code: 'ConnectWiseApi',
        message: `fake server error: ${err instanceof Error ? err.message : String(err)}`,
      },
    };
  }
}

/** Writes a reply, or only its first `cutAfterBytes` bytes before the connection drops. */
function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const text = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  const head = { 'content-type': 'application/json; charset=utf-8', ...reply.headers };
  if (reply.cutAfterBytes !== undefined) {
    const bytes = Buffer.from(text);
    res.writeHead(reply.status, { ...head, 'content-length': String(bytes.byteLength) });
    res.write(bytes.subarray(0, reply.cutAfterBytes), () => req.socket.destroy());
    return;
  }
  res.writeHead(reply.status, head);
  res.end(text);
}

export async function startServer(
  handler: Handler,
  options: { port?: number; host?: string; latencyMs?: number } = {},
): Promise<FakeServer> {
  const state: Omit<FakeServer, 'origin' | 'close'> = { requests: [], faults: [], latencyMs: options.latencyMs ?? 0 };
  const drop = (req: IncomingMessage, record: RecordedRequest) => {
    record.status = -1;
    req.socket.destroy();
  };
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: { ...req.headers },
      body,
      status: 0,
      at: Date.now(),
    };
    state.requests.push(record);
    if (state.latencyMs > 0) await sleep(state.latencyMs);
    const fault = takeFault(state.faults, method, url.pathname);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.drop) return drop(req, record);
    const parsed = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body };
    const reply = await replyFor(handler, parsed, fault);
    record.status = reply.status;
    if (fault?.dropAfterServing || reply.drop) return drop(req, record);
    send(req, res, reply);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void serve(req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});
