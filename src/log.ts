/**
 * Logs are pino JSON lines on stderr. Redaction is configured here, once: any field whose name
 * could carry a credential is censored wherever it sits and however it is cased (the transport
 * sends `clientid` and `authorization`; other code may write `clientId` or `Authorization`),
 * and so is any string that is a Basic or Bearer credential. No call site has to remember.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

const CENSOR = '[redacted]';

/** Field names, lowercased and without `-`/`_`, whose values are always censored. */
const SECRET_NAMES = new Set([
  'authorization',
  'proxyauthorization',
  'clientid',
  'xapikey',
  'apikey',
  'privatekey',
  'publickey',
  'token',
  'accesstoken',
  'password',
  'cookie',
  'setcookie',
  'secret',
]);

/** A whole string that is a credential: `Basic <base64>`, `Bearer <token>`. */
const CREDENTIAL = /^\s*(basic|bearer|token)\s+[\w.~+/=-]{8,}\s*$/i;
const MAX_DEPTH = 8;

function isSecretName(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase().replace(/[-_]/g, ''));
}

/** A copy of `value` with every secret-named field and credential-looking string censored. */
function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return CREDENTIAL.test(value) ? CENSOR : value;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error || depth >= MAX_DEPTH) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  if (value instanceof Headers) return redactDeep(Object.fromEntries(value.entries()), depth, seen);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) ? CENSOR : redactDeep(v, depth + 1, seen);
  return out;
}

/**
 * The same names for pino's own redaction, which also covers a child logger's bindings (the
 * formatter above sees only what is logged): every case variant the code or a server uses.
 */
const NAMES = ['authorization', 'Authorization', 'clientid', 'clientId', 'ClientId', 'privateKey', 'publicKey'];
const REDACT_PATHS = [...NAMES, ...['apiKey', 'token', 'password'], ...NAMES.map((n) => `*.${n}`)];

export function createLogger(
  level: string = process.env.CWSYNC_LOG_LEVEL ?? 'warn',
  // process.stderr, looked up at each write: synchronous for files and pipes like fd 2, and
  // the same stream the rest of the output uses, so an in-process caller can capture both.
  destination: DestinationStream = { write: (line: string) => void process.stderr.write(line) },
): Logger {
  return pino(
    {
      level,
      base: { name: 'cwsync' },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      formatters: { log: (object) => redactDeep(object) as Record<string, unknown> },
    },
    destination,
  );
}

/** A logger that drops everything, for library code called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
