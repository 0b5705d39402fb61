/**
 * One HTTP exchange, over node:http and node:https with a keep-alive pool per client: the
 * request sent, the answer's status and headers, and its body as a stream for the transport to
 * read within its cap and deadline. Not fetch: at tens of thousands of requests a run, fetch's
 * per-request machinery (web streams, a finalizer per answer) cost about twice the CPU and,
 * through its finalizers, kept each answer's garbage alive into the old heap, which then grew to
 * several times the live data (the 20,000-customer bench plan: 511 MB RSS).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

export interface Answered {
  status: number;
  headers: Headers;
  /** The body, decompressed when the server compressed it; read it, or destroy it. */
  body: Readable;
}

/** No answer in time: connecting, or waiting for the answer's status and headers. */
export class NoAnswerInTime extends Error {
  override name = 'TimeoutError';
  constructor(readonly phase: 'connect' | 'headers') {
    super(phase === 'connect' ? 'timed out connecting' : 'timed out');
  }
}

/** What fetch sent when the caller did not say: kept, so servers see the requests they saw before. */
const DEFAULT_HEADERS: Record<string, string> = {
  accept: '*/*',
  'user-agent': 'node',
  'accept-encoding': 'gzip, deflate',
};

function withDefaults(headers: Record<string, string>, payload: string | undefined): Record<string, string> {
  const out: Record<string, string> = { ...headers };
  const given = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  for (const [name, value] of Object.entries(DEFAULT_HEADERS)) if (!given.has(name)) out[name] = value;
  if (payload !== undefined) out['content-length'] = String(Buffer.byteLength(payload));
  return out;
}

/** The answer's headers as fetch gave them (repeated ones joined), from the raw list. */
function headersOf(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** The body as sent, or decompressed (gzip, deflate, br), as fetch did. */
function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const unzip =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  return unzip ? pipeline(res, unzip, () => undefined) : res;
}

export class Pool {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(private readonly options: { connections: number; timeoutMs: number; connectTimeoutMs: number }) {
    // An idle socket closes after 4 s: below common server idle timeouts (Node: 5 s), so one is
    // not reused just as the server closes it. In use, a socket is bounded by the timers below.
    const agent = { keepAlive: true, maxSockets: options.connections, timeout: 4_000 };
    this.http = new HttpAgent(agent);
    this.https = new HttpsAgent(agent);
  }

  /**
   * Sends the request; resolves when the status and headers are in, rejects with the network
   * failure or a NoAnswerInTime. Throws at once (a TypeError) when Node refuses the request itself.
   */
  send(url: URL, method: string, headers: Record<string, string>, payload: string | undefined): Promise<Answered> {
    const secure = url.protocol === 'https:';
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method,
      headers: withDefaults(headers, payload),
      agent: secure ? this.https : this.http,
    });
    this.inFlight++;
    req.once('close', () => this.finished());
    return new Promise<Answered>((resolve, reject) => {
      let connecting: NodeJS.Timeout | undefined;
      const waiting = setTimeout(() => req.destroy(new NoAnswerInTime('headers')), this.options.timeoutMs);
      const stop = () => {
        clearTimeout(waiting);
        clearTimeout(connecting);
      };
      req.once('socket', (socket) => {
        if (!socket.connecting) return; // a kept-alive socket
        connecting = setTimeout(() => req.destroy(new NoAnswerInTime('connect')), this.options.connectTimeoutMs);
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connecting));
      });
      // After the answer's headers, a failure is the body stream's (the transport reads it).
      req.on('error', (err) => {
        stop();
        reject(err);
      });
      req.once('response', (res) => {
        stop();
        resolve({ status: res.statusCode ?? 0, headers: headersOf(res.rawHeaders), body: decoded(res) });
      });
      req.end(payload);
    });
  }

  private finished(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  /** Waits for the requests in flight to end, then closes every socket. */
  async close(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.http.destroy();
    this.https.destroy();
  }
}
