import { type Static, Type } from "@sinclair/typebox";
import { SemanticCacheConfigSchema } from "./semantic-config.ts";

/** The exact answer cache of the chat, messages, responses and embeddings routes; off if absent. */
export const CacheConfigSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** How long an answer stays servable, in seconds (default 300). */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Upper bound of the embedded store, in bytes of keys and values (default 64 MiB). */
    maxBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    /** Keeps each virtual key's answers apart; by default keys of one org share them. */
    perKey: Type.Optional(Type.Boolean()),
    /**
     * Lease of the lock that makes one gateway node call upstream for identical requests on a
     * shared (Valkey) store, in ms (default 10000). The holder renews it every third; the
     * other nodes take over when a crashed holder lets it lapse.
     */
    lockLeaseMs: Type.Optional(Type.Integer({ minimum: 100 })),
    /**
     * Longest a node waits for another node's answer before it calls upstream itself, in ms
     * (default 60000). A stream is shared across nodes only once it has ended.
     */
    lockMaxWaitMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Serves a stored answer to a prompt close in meaning to a cached one; off when absent. */
    semantic: Type.Optional(SemanticCacheConfigSchema),
  },
  { additionalProperties: false },
);

export type CacheConfig = Static<typeof CacheConfigSchema>;

export const DEFAULT_CACHE_TTL_SECONDS = 300;
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_LOCK_LEASE_MS = 10_000;
export const DEFAULT_LOCK_MAX_WAIT_MS = 60_000;
