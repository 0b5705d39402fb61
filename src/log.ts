/**
 * Logs are pino JSON lines on stderr. Redaction is configured here, once: any field that could
 * carry a credential is censored wherever it appears, so no call site has to remember.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'clientId',
  '*.clientId',
  'headers.clientId',
  '*.headers.clientId',
  'privateKey',
  '*.privateKey',
  'publicKey',
  '*.publicKey',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'password',
  '*.password',
];

export function createLogger(
  level: string = process.env.CWSYNC_LOG_LEVEL ?? 'warn',
  destination: DestinationStream = pino.destination({ fd: 2, sync: true }),
): Logger {
  return pino({ level, base: { name: 'cwsync' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

/** A logger that drops everything, for library code called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
