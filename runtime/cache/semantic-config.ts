import { type Static, Type } from "@sinclair/typebox";

/**
 * The semantic step of the chat cache: after an exact miss, the prompt is embedded and the
 * nearest stored prompt of the same shape and scope is served when it is similar enough.
 */
export const SemanticCacheConfigSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** A configured model of `kind: embedding`, called through the gateway's own providers. */
    embeddingModel: Type.String({ minLength: 1 }),
    /** Minimum cosine similarity of a hit, in (0, 1] (default 0.95). */
    threshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    /** Upper bound on prompts held across all scopes; the oldest go first (default 10000). */
    maxEntries: Type.Optional(Type.Integer({ minimum: 1 })),
    /** How long a prompt stays matchable, in seconds (default: the cache's `ttlSeconds`). */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Time limit of one embedding call, in ms (default 2000). */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Consecutive embedding failures that turn the semantic step off (default 5). */
    breakerFailures: Type.Optional(Type.Integer({ minimum: 1 })),
    /** How long the semantic step stays off after the breaker opens, in seconds (default 30). */
    breakerCooldownSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export type SemanticCacheConfig = Static<typeof SemanticCacheConfigSchema>;

export const DEFAULT_SEMANTIC_THRESHOLD = 0.95;
export const DEFAULT_SEMANTIC_MAX_ENTRIES = 10_000;
export const DEFAULT_SEMANTIC_TIMEOUT_MS = 2_000;
export const DEFAULT_BREAKER_FAILURES = 5;
export const DEFAULT_BREAKER_COOLDOWN_SECONDS = 30;
