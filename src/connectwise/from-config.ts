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
  return ConnectWiseClient.create(cw, credentials, logger);
}
