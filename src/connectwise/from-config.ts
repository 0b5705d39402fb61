import type { Config } from '../config/types.js';
import { RefusedError } from '../errors.js';
import type { Logger } from '../log.js';
import { resolveSecret } from '../secrets.js';
import { type ClientOptions, ConnectWiseClient } from './client.js';
import { connectWiseSettings } from './settings.js';

/**
 * A client for the configured tenant; resolving the secrets here is what makes them required.
 * `readOnly`: the inquire-only member's keys (connectwise.readOnly), for pull-request plans;
 * refused when none is configured, never falling back to the write keys.
 */
export function connectWiseFromConfig(
  config: Config,
  logger?: Logger,
  options: { readOnly?: boolean } & ClientOptions = {},
): ConnectWiseClient {
  const cw = connectWiseSettings(config);
  if (options.readOnly && !cw.readOnly)
    throw new RefusedError(
      '--read-only: cwsync.yaml has no connectwise.readOnly keys, and the write keys are never used instead',
      {
        hint: "add connectwise.readOnly: { publicKey: { env: CW_READONLY_PUBLIC_KEY }, privateKey: { env: CW_READONLY_PRIVATE_KEY } } (an API member with an Inquire-only role), or plan from the nightly's snapshots (--usage-snapshot and --target-snapshot)",
      },
    );
  const keys = options.readOnly && cw.readOnly ? cw.readOnly : cw;
  const label = options.readOnly ? 'connectwise.readOnly' : 'connectwise';
  const credentials = {
    publicKey: resolveSecret(keys.publicKey, config.dir, `${label}.publicKey`),
    privateKey: resolveSecret(keys.privateKey, config.dir, `${label}.privateKey`),
    clientId: resolveSecret(
      keys.clientId ?? cw.clientId,
      config.dir,
      keys.clientId ? `${label}.clientId` : 'connectwise.clientId',
    ),
  };
  return ConnectWiseClient.create(cw, credentials, logger, options);
}
