import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { resolveSecret } from '../secrets.js';
import { ConnectWiseClient } from './client.js';

/** A client for the configured tenant; resolving the secrets here is what makes them required. */
export function connectWiseFromConfig(config: Config, logger?: Logger): ConnectWiseClient {
  const cw = config.connectwise;
  const credentials = {
    publicKey: resolveSecret(cw.publicKey, config.dir, 'connectwise.publicKey'),
    privateKey: resolveSecret(cw.privateKey, config.dir, 'connectwise.privateKey'),
    clientId: resolveSecret(cw.clientId, config.dir, 'connectwise.clientId'),
  };
  return ConnectWiseClient.create(cw, credentials, logger, retryOverrides());
}

/** Test and benchmark runs may shorten backoff through the environment; production never sets these. */
export function retryOverrides(): { baseDelayMs?: number; timeoutMs?: number } {
  const base = Number(process.env.CWSYNC_RETRY_BASE_MS);
  const timeout = Number(process.env.CWSYNC_TIMEOUT_MS);
  return { ...(base > 0 ? { baseDelayMs: base } : {}), ...(timeout > 0 ? { timeoutMs: timeout } : {}) };
}
