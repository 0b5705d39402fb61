/** The `connectwise:` section of a config, for the commands and modules that speak to ConnectWise. */
import type { ConnectWiseSettings } from '../config/types.js';
import { CwsyncError } from '../errors.js';

/** Its settings, or a clear error when cwsync.yaml configures another billing system. */
export function connectWiseSettings(config: { connectwise?: ConnectWiseSettings }): ConnectWiseSettings {
  if (!config.connectwise)
    throw new CwsyncError('cwsync.yaml has no connectwise: section, and this reads ConnectWise', {
      hint: 'add connectwise: (see config.example/cwsync.yaml), or run the command the configured billing system supports',
    });
  return config.connectwise;
}
