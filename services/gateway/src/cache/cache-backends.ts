import type { Database } from "bun:sqlite";
import type { ChangeSignals } from "../../../../runtime/bus/change-signals.ts";
import type { CacheStore } from "../../../../runtime/cache/cache-store.ts";
import {
  type CacheConfig,
  DEFAULT_CACHE_MAX_BYTES,
} from "../../../../runtime/cache/config-schema.ts";
import type { FlightLock } from "../../../../runtime/cache/flight-lock.ts";
import { MemoryFlightLock } from "../../../../runtime/cache/flight-lock-memory.ts";
import { MemoryCacheStore } from "../../../../runtime/cache/memory-cache-store.ts";
import type { SemanticEntryStore } from "../../../../runtime/cache/semantic-entry-store.ts";
import { SqliteSemanticEntryStore } from
  "../../../../runtime/cache/semantic-entry-sqlite.ts";
import { ValkeySemanticEntryStore } from
  "../../../../runtime/cache/semantic-entry-valkey.ts";
import type { PoisonPersistence } from "../../../../runtime/cache/semantic-poison.ts";
import { SqlitePoisonPersistence } from
  "../../../../runtime/cache/semantic-poison-sqlite.ts";
import { ValkeyPoisonPersistence } from
  "../../../../runtime/cache/semantic-poison-valkey.ts";
import { SemanticEntrySync } from "../../../../runtime/cache/semantic-sync.ts";
import { ValkeyCacheStore } from "../../../../runtime/cache/valkey-cache-store.ts";
import { ValkeyFlightLock } from "../../../../runtime/cache/valkey-flight-lock.ts";
import type { Logger } from "../../../../runtime/observability/log.ts";
import type { ValkeyClient } from "../../../../runtime/storage/valkey/open-valkey.ts";

/**
 * Where the answer cache keeps its state: in this process and the embedded SQLite file, or
 * in Valkey, shared by every gateway node.
 */
export interface CacheBackends {
  /** True when the store and the lock span gateway nodes, so coalescing takes the lock. */
  shared: boolean;
  /** Opens the exact answer store; the embedded one is bounded by the config's `maxBytes`. */
  openStore(config: CacheConfig): CacheStore;
  lock: FlightLock;
  poison: PoisonPersistence;
  semanticEntries: SemanticEntryStore;
  /**
   * Brings the entries other nodes store into this node's semantic index while it runs. It is
   * null on the embedded backends, because their one process stores every entry itself.
   */
  semanticSync: SemanticEntrySync | null;
  logger: Logger;
  /**
   * Stops the lock's release listener and the semantic sync; the caller owns the database or
   * Valkey client.
   */
  close(): Promise<void>;
}

/** Builds the single-node backends: answers in memory, poison and semantic entries in SQLite. */
export function embeddedCacheBackends(db: Database, logger: Logger): CacheBackends {
  const lock = new MemoryFlightLock();
  return {
    shared: false,
    openStore: (config) =>
      new MemoryCacheStore({ maxBytes: config.maxBytes ?? DEFAULT_CACHE_MAX_BYTES }),
    lock,
    poison: new SqlitePoisonPersistence(db, logger),
    semanticEntries: new SqliteSemanticEntryStore(db),
    semanticSync: null,
    logger,
    close: () => lock.close(),
  };
}

/**
 * Builds the production backends, every part in Valkey under `prefix` (such as `nexus:`), so
 * that an answer, a poison report and a semantic entry reach every node. The store ignores
 * `maxBytes`, because the server bounds its memory through `maxmemory`. With `signals`, a
 * semantic entry stored on one node reaches the running index of every other node.
 */
export function valkeyCacheBackends(
  client: ValkeyClient,
  prefix: string,
  logger: Logger,
  signals: ChangeSignals | null = null,
): CacheBackends {
  const lock = new ValkeyFlightLock(client, prefix);
  const entries = new ValkeySemanticEntryStore(client, `${prefix}semantic:`);
  const sync = signals === null
    ? null
    : new SemanticEntrySync(entries, entries, { origin: entries.origin, signals, logger });
  return {
    shared: true,
    openStore: () => new ValkeyCacheStore(client, { prefix }),
    lock,
    poison: new ValkeyPoisonPersistence(client, prefix, logger),
    semanticEntries: sync === null ? entries : sync.announcing(entries),
    semanticSync: sync,
    logger,
    async close() {
      await sync?.close();
      await lock.close();
    },
  };
}
