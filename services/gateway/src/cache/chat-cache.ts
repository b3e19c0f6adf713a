import type { ChatChunk, ChatResponse } from "../../../../runtime/canonical/chat.ts";
import type { CacheStore } from "../../../../runtime/cache/cache-store.ts";
import {
  type CacheConfig,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_CACHE_TTL_SECONDS,
} from "../../../../runtime/cache/config-schema.ts";
import { InFlight } from "../../../../runtime/cache/in-flight.ts";
import { MemoryCacheStore } from "../../../../runtime/cache/memory-cache-store.ts";
import { type PoisonPersistence, PoisonGuard } from
  "../../../../runtime/cache/semantic-poison.ts";
import type { ModelCatalog } from "../../../../runtime/config/models.ts";
import type { Flight } from "./flight.ts";
import {
  buildSemanticCache,
  type SemanticCache,
  type SemanticPersistence,
} from "./semantic-cache.ts";

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
  /** The semantic step after an exact miss; null when the config has it off. */
  semantic: SemanticCache | null;
  /** Served answers and reported prompts, for `POST /v1/cache/report`. */
  guard: PoisonGuard;
}

/** Builds the cache on the embedded in-memory store; null when the config has no section. */
export function buildChatCache(
  config: CacheConfig | undefined,
  catalog: ModelCatalog,
  poisonPersistence: PoisonPersistence | null,
  semanticPersistence: SemanticPersistence | null = null,
): ChatCache | null {
  if (config === undefined) return null;
  const ttlMs = (config.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS) * 1000;
  return {
    enabled: config.enabled,
    ttlMs,
    perKey: config.perKey === true,
    store: new MemoryCacheStore({ maxBytes: config.maxBytes ?? DEFAULT_CACHE_MAX_BYTES }),
    flights: new InFlight<Flight<unknown>>(),
    semantic: config.enabled
      ? buildSemanticCache(config.semantic, ttlMs, catalog, semanticPersistence)
      : null,
    guard: new PoisonGuard(poisonPersistence, ttlMs),
  };
}
