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
    /** Serves a stored answer to a prompt close in meaning to a cached one; off when absent. */
    semantic: Type.Optional(SemanticCacheConfigSchema),
  },
  { additionalProperties: false },
);

export type CacheConfig = Static<typeof CacheConfigSchema>;

export const DEFAULT_CACHE_TTL_SECONDS = 300;
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;
