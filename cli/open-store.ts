import type { Database } from "bun:sqlite";
import { loadConfig, resolveConfigPath, type LoadedConfig } from "../runtime/config/load.ts";
import { openEmbeddedDatabase } from "../runtime/storage/embedded/open-database.ts";

export interface CliStore {
  loaded: LoadedConfig;
  db: Database;
}

/** Opens the same embedded store the gateway uses, found through the same config. */
export async function openCliStore(configFlag: string | undefined): Promise<CliStore> {
  const loaded = await loadConfig(resolveConfigPath(configFlag));
  return { loaded, db: openEmbeddedDatabase(loaded.dataDir) };
}
