import type { LoadedConfig } from "../../../../runtime/config/load.ts";
import type { Backends, OpenBackendsOptions } from "./backends.ts";
import { openEmbeddedBackends } from "./embedded.ts";
import { openProductionBackends } from "./production.ts";
import { storageMode } from "./storage-mode.ts";

/**
 * Opens the backends the config selects: production when `storage` names PostgreSQL, Valkey
 * and NATS, else the embedded store. See `storageMode` for a config that names only some.
 */
export async function openBackends(loaded: LoadedConfig,
  options: OpenBackendsOptions): Promise<Backends> {
  return storageMode(loaded) === "production"
    ? await openProductionBackends(loaded, options)
    : openEmbeddedBackends(loaded, options);
}
