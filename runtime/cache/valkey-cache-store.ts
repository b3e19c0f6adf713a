import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import { byteSize, type CacheStore } from "./cache-store.ts";

export interface ValkeyCacheOptions {
  /** Starts every key, so that deployments and tests sharing a server stay apart. */
  prefix?: string;
  /**
   * Largest value stored, in UTF-8 bytes; a larger value is not cached. Default 1 MiB. The
   * server bounds the total through its own `maxmemory` and eviction policy.
   */
  maxValueBytes?: number;
}

/**
 * The production cache store: entries in Valkey with a millisecond time to live, shared by
 * every gateway node.
 */
export class ValkeyCacheStore implements CacheStore {
  readonly #client: ValkeyClient;
  readonly #prefix: string;
  readonly #maxValueBytes: number;

  constructor(client: ValkeyClient, options: ValkeyCacheOptions = {}) {
    this.#client = client;
    this.#prefix = `${options.prefix ?? "nexus:"}cache:`;
    this.#maxValueBytes = options.maxValueBytes ?? 1024 * 1024;
  }

  get(key: string): Promise<string | null> {
    return this.#client.get(this.#prefix + key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    // An oversized or already expired entry replaces nothing either, as in the memory store.
    if (byteSize(value) > this.#maxValueBytes || ttlMs <= 0) {
      await this.delete(key);
      return;
    }
    await this.#client.set(this.#prefix + key, value, "PX", Math.ceil(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.#client.del(this.#prefix + key);
  }
}
