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
import { SemanticIndex } from "../../../../runtime/cache/semantic-index.ts";
import { type Embedder, embedderFor } from "./semantic-embed.ts";

/** The semantic step of the chat cache in one gateway process. */
export interface SemanticCache {
  /** Minimum cosine similarity of a hit. */
  threshold: number;
  index: SemanticIndex;
  breaker: CircuitBreaker;
  embed: Embedder;
}

/**
 * Builds the semantic step on an in-memory index, which starts empty at boot; null when the
 * config has it off. `cacheTtlMs` is the exact cache's TTL, the default of the semantic one.
 */
export function buildSemanticCache(
  config: SemanticCacheConfig | undefined,
  cacheTtlMs: number,
  catalog: ModelCatalog,
): SemanticCache | null {
  if (config === undefined || !config.enabled) return null;
  const timeoutMs = config.timeoutMs ?? DEFAULT_SEMANTIC_TIMEOUT_MS;
  return {
    threshold: config.threshold ?? DEFAULT_SEMANTIC_THRESHOLD,
    index: new SemanticIndex({
      maxEntries: config.maxEntries ?? DEFAULT_SEMANTIC_MAX_ENTRIES,
      ttlMs: config.ttlSeconds === undefined ? cacheTtlMs : config.ttlSeconds * 1000,
    }),
    breaker: new CircuitBreaker({
      failures: config.breakerFailures ?? DEFAULT_BREAKER_FAILURES,
      cooldownMs: (config.breakerCooldownSeconds ?? DEFAULT_BREAKER_COOLDOWN_SECONDS) * 1000,
    }),
    embed: embedderFor(catalog, config.embeddingModel, timeoutMs),
  };
}
