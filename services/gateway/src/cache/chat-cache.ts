import type { ChatChunk, ChatResponse } from "../../../../runtime/canonical/chat.ts";
import type { CacheStore } from "../../../../runtime/cache/cache-store.ts";
import {
  type CacheConfig,
  DEFAULT_CACHE_TTL_SECONDS,
  DEFAULT_LOCK_LEASE_MS,
  DEFAULT_LOCK_MAX_WAIT_MS,
} from "../../../../runtime/cache/config-schema.ts";
import type { FlightLock } from "../../../../runtime/cache/flight-lock.ts";
import { InFlight } from "../../../../runtime/cache/in-flight.ts";
import { PoisonGuard } from "../../../../runtime/cache/semantic-poison.ts";
import { StoreOutage } from "../../../../runtime/cache/store-outage.ts";
import type { ModelCatalog } from "../../../../runtime/config/models.ts";
import type { Logger } from "../../../../runtime/observability/log.ts";
import type { CacheBackends } from "./cache-backends.ts";
import type { Flight } from "./flight.ts";
import { buildSemanticCache, type SemanticCache } from "./semantic-cache.ts";

/** An item of a chat flight: the whole answer of a JSON call, or one chunk of a stream. */
export type FlightItem = ChatResponse | ChatChunk;

/** The chat answer cache of one gateway process, built from the config's `cache` section. */
export interface ChatCache {
  enabled: boolean;
  ttlMs: number;
  perKey: boolean;
  store: CacheStore;
  /** Calls in progress, by store key, of every cached API. */
  flights: InFlight<Flight<unknown>>;
  /**
   * The lock that coalesces calls across gateway nodes on a shared store. It is null on the
   * embedded backends, because `flights` already coalesces every call of the one process.
   */
  crossNode: CrossNode | null;
  /** The semantic step after an exact miss; null when the config has it off. */
  semantic: SemanticCache | null;
  /** Served answers and reported prompts, for `POST /v1/cache/report`. */
  guard: PoisonGuard;
  /** Whether the store is failing; its logger logs a store failure once per outage. */
  outage: StoreOutage;
  /** Stops the backends' listeners; the caller closes the database or Valkey client. */
  close(): Promise<void>;
}

/** The lock shared by gateway nodes and its bounds, in ms. */
export interface CrossNode {
  lock: FlightLock;
  leaseMs: number;
  maxWaitMs: number;
}

/** Builds the cache on `backends`; null when the config has no section. */
export function buildChatCache(
  config: CacheConfig | undefined,
  catalog: ModelCatalog,
  backends: CacheBackends,
  logger: Logger,
): ChatCache | null {
  if (config === undefined) return null;
  const ttlMs = (config.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS) * 1000;
  const outage = new StoreOutage(logger);
  const semanticPersistence = {
    entries: backends.semanticEntries,
    logger: outage.logger,
    sync: backends.semanticSync,
  };
  return {
    enabled: config.enabled,
    ttlMs,
    perKey: config.perKey === true,
    store: backends.openStore(config),
    flights: new InFlight<Flight<unknown>>(),
    crossNode: backends.shared
      ? {
        lock: backends.lock,
        leaseMs: config.lockLeaseMs ?? DEFAULT_LOCK_LEASE_MS,
        maxWaitMs: config.lockMaxWaitMs ?? DEFAULT_LOCK_MAX_WAIT_MS,
      }
      : null,
    semantic: config.enabled
      ? buildSemanticCache(config.semantic, ttlMs, catalog, semanticPersistence)
      : null,
    guard: new PoisonGuard(backends.poison, ttlMs, outage.logger),
    outage,
    close: () => backends.close(),
  };
}
