/**
 * A key-value store for cached answers with a time to live. The embedded store keeps entries
 * in process; a production store (Valkey) shares them between gateway nodes. Values are
 * strings so that every backend stores them unchanged.
 */
export interface CacheStore {
  /** Returns the value, or null when the key is missing or its time to live has passed. */
  get(key: string): Promise<string | null>;
  /** Stores the value for `ttlMs` milliseconds; a store may evict it earlier to stay in bounds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Size of a value in bytes as UTF-8, the unit of a store's bound. */
export function byteSize(value: string): number {
  return Buffer.byteLength(value, "utf8");
}
