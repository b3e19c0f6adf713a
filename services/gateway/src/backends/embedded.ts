import { EventWriter } from "../../../../runtime/audit/event-writer.ts";
import { SqliteEventStore } from "../../../../runtime/audit/sqlite-event-store.ts";
import { EmbeddedChangeSignals } from "../../../../runtime/bus/embedded-change-signals.ts";
import type { LoadedConfig } from "../../../../runtime/config/load.ts";
import { CONTROL_POLL_INTERVAL_MS } from "../../../../runtime/controls/watch.ts";
import { SqliteControlStore } from "../../../../runtime/controls/sqlite-control-store.ts";
import { MemoryWindowCounter } from "../../../../runtime/hooks/window-counter.ts";
import { SqliteKeyStore } from "../../../../runtime/identity/keys/sqlite-key-store.ts";
import { SqliteQuotaStore } from "../../../../runtime/quota/sqlite-quota-store.ts";
import { openEmbeddedDatabase } from "../../../../runtime/storage/embedded/open-database.ts";
import { embeddedCacheBackends } from "../cache/cache-backends.ts";
import type { Backends, OpenBackendsOptions } from "./backends.ts";
import { probe } from "./backends.ts";
import { resolveHmacSecret } from "./key-secret.ts";

/** How long a store write waits for another process's lock; it blocks the event loop. */
const GATEWAY_BUSY_TIMEOUT_MS = 100;

/**
 * Opens the single-machine set: one SQLite file for keys, events, controls and settled quota
 * spend, rate-limit counters in memory, and change signals from `PRAGMA data_version`.
 */
export function openEmbeddedBackends(loaded: LoadedConfig,
  options: OpenBackendsOptions): Backends {
  const { logger, metrics, siem } = options;
  const hmacSecret = resolveHmacSecret(loaded, "embedded");
  const db = openEmbeddedDatabase(loaded.dataDir, GATEWAY_BUSY_TIMEOUT_MS);
  const events = new SqliteEventStore(db);
  // Quota counters live in memory, and settled spend reaches SQLite behind the requests.
  const quotaStore = loaded.config.quotas === undefined
    ? null
    : new SqliteQuotaStore(db, { logger });
  const auditSink = new EventWriter(events, logger, metrics, {
    onStored: siem === null ? undefined : (stored) => siem.forwardTraffic(stored),
  });
  const signals = new EmbeddedChangeSignals(db, logger);
  const cacheBackends = embeddedCacheBackends(db, logger);

  return {
    mode: "embedded",
    keys: new SqliteKeyStore(db),
    events,
    controls: new SqliteControlStore(db),
    auditSink,
    quotaStore,
    auditHooks: {},
    rateCounter: new MemoryWindowCounter(),
    signals,
    hmacSecret,
    db,
    controlsRefreshMs: CONTROL_POLL_INTERVAL_MS,
    cacheBackends,
    ready: async () => [await probe("sqlite", async () => db.query("SELECT 1").get())],
    async close() {
      await auditSink.close();
      await signals.close();
      await cacheBackends.close();
      // Writes the quota spend settled since the last flush, so a restart keeps it.
      quotaStore?.close();
      db.close();
    },
  };
}
