import { ConfigError, type LoadedConfig } from "../../../../runtime/config/load.ts";

/** The config sections that together select the production backends. */
const PRODUCTION_SECTIONS = ["postgres", "valkey", "nats"] as const;

/**
 * Returns `production` when the config's `storage` names PostgreSQL, Valkey and NATS, and
 * `embedded` when it names none of them. Naming only some is a config error that lists the
 * missing ones, because a node that kept part of its state in its own SQLite file would
 * silently disagree with the other nodes.
 */
export function storageMode(loaded: LoadedConfig): "embedded" | "production" {
  const storage = loaded.config.storage ?? {};
  const named = PRODUCTION_SECTIONS.filter((section) => storage[section] !== undefined);
  if (named.length === 0) return "embedded";
  if (named.length === PRODUCTION_SECTIONS.length) return "production";

  const missing = PRODUCTION_SECTIONS.filter((section) => storage[section] === undefined);
  throw new ConfigError(
    `${loaded.path}: storage names ${named.map((s) => `storage.${s}`).join(" and ")} but ` +
      `not ${missing.map((s) => `storage.${s}`).join(" and ")}. The production backends need ` +
      "PostgreSQL, Valkey and NATS together; add the missing URLs, or remove the storage " +
      "section to use the embedded store.",
  );
}
