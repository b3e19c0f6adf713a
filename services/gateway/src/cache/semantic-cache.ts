import type { ModelCatalog } from "../../../../runtime/config/models.ts";
import { CircuitBreaker } from "../../../../runtime/cache/semantic-breaker.ts";
import {
  DEFAULT_BREAKER_COOLDOWN_SECONDS,
  DEFAULT_BREAKER_FAILURES,
  DEFAULT_SEMANTIC_MAX_ENTRIES,
  DEFAULT_SEMANTIC_THRESHOLD,
  DEFAULT_SEMANTIC_TIMEOUT_MS,
  type SemanticCacheConfig,
} from "../../../../runtime/cache/semantic-config.ts";
import type { SemanticEntryStore } from "../../../../runtime/cache/semantic-entry-store.ts";
import { SemanticIndex } from "../../../../runtime/cache/semantic-index.ts";
import type { SemanticEntrySync } from "../../../../runtime/cache/semantic-sync.ts";
import { describeError, type Logger } from "../../../../runtime/observability/log.ts";
import { type Embedder, embedderFor } from "./semantic-embed.ts";
import type { SharedLookup } from "./semantic-step.ts";

/** The semantic step of the chat cache in one gateway process. */
export interface SemanticCache {
  /** Minimum cosine similarity of a hit. */
  threshold: number;
  /** How long an entry stays matchable, in ms. */
  ttlMs: number;
  index: SemanticIndex;
  breaker: CircuitBreaker;
  embed: Embedder;
  /** Persisted entries the index is rebuilt from at boot; null keeps them in memory only. */
  entries: SemanticEntryStore | null;
  /** Settles once the persisted entries are in the index, so lookups wait for it. */
  ready: Promise<void>;
  /** Lookups in progress by exact store key, so identical concurrent requests embed once. */
  pending: Map<string, Promise<SharedLookup>>;
}

export interface SemanticPersistence {
  entries: SemanticEntryStore;
  logger: Logger;
  /** Adds the entries other nodes store while this one runs; null or absent on one node. */
  sync?: SemanticEntrySync | null;
}

/**
 * Builds the semantic step on an in-memory index and starts rebuilding the index from
 * `persistence` when one is given. Returns null when the config has the step off.
 * `cacheTtlMs` is the exact cache's TTL, the default of the semantic one.
 */
export function buildSemanticCache(
  config: SemanticCacheConfig | undefined,
  cacheTtlMs: number,
  catalog: ModelCatalog,
  persistence: SemanticPersistence | null = null,
): SemanticCache | null {
  if (config === undefined || !config.enabled) return null;
  const timeoutMs = config.timeoutMs ?? DEFAULT_SEMANTIC_TIMEOUT_MS;
  const maxEntries = config.maxEntries ?? DEFAULT_SEMANTIC_MAX_ENTRIES;
  const ttlMs = config.ttlSeconds === undefined ? cacheTtlMs : config.ttlSeconds * 1000;
  const index = new SemanticIndex({ maxEntries, ttlMs });
  return {
    threshold: config.threshold ?? DEFAULT_SEMANTIC_THRESHOLD,
    ttlMs,
    index,
    breaker: new CircuitBreaker({
      failures: config.breakerFailures ?? DEFAULT_BREAKER_FAILURES,
      cooldownMs: (config.breakerCooldownSeconds ?? DEFAULT_BREAKER_COOLDOWN_SECONDS) * 1000,
    }),
    embed: embedderFor(catalog, config.embeddingModel, timeoutMs),
    entries: persistence?.entries ?? null,
    ready: persistence === null ? Promise.resolve() : startIndex(index, maxEntries, persistence),
    pending: new Map(),
  };
}

/**
 * Attaches the index to the sync, when there is one, then loads the persisted entries. The
 * load waits for the sync's first position in the change log, so every entry stored later
 * arrives through the sync and none falls between the two.
 */
async function startIndex(
  index: SemanticIndex,
  maxEntries: number,
  persistence: SemanticPersistence,
): Promise<void> {
  const sync = persistence.sync ?? null;
  if (sync !== null) {
    sync.attach({ index, reload: () => loadIndex(index, maxEntries, persistence) });
    await sync.started;
  }
  await loadIndex(index, maxEntries, persistence);
}

/** Adds the newest live persisted entries to the index; a failed load leaves it partial. */
async function loadIndex(
  index: SemanticIndex,
  maxEntries: number,
  persistence: SemanticPersistence,
): Promise<void> {
  try {
    const entries = await persistence.entries.loadLive(Date.now(), maxEntries);
    for (const entry of entries) {
      index.add(entry.partition, entry.id, entry.vector, entry.storedAt);
    }
    persistence.logger.log("info", "cache.semantic_index_loaded", { entries: entries.length });
  } catch (error) {
    persistence.logger.log("error", "cache.semantic_index_load_failed", {
      error: describeError(error),
    });
  }
}
