import { byteSize, type CacheStore } from "./cache-store.ts";

interface Entry {
  value: string;
  bytes: number;
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Upper bound on the bytes of keys and values held; the least recently used go first. */
  maxBytes: number;
  /** Current time in ms; tests pass a controlled clock. */
  now?: () => number;
}

/**
 * The embedded cache store: entries in a Map, whose insertion order doubles as the recency
 * order (a read moves the entry to the end), so eviction takes the first entries.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: MemoryCacheOptions) {
    this.#maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes of keys and values currently held. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Promise<string | null> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return Promise.resolve(null);
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key, entry);
      return Promise.resolve(null);
    }

    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return Promise.resolve(entry.value);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(key, old);

    // An entry larger than the whole bound would evict everything and still not fit.
    const bytes = byteSize(key) + byteSize(value);
    if (bytes > this.#maxBytes || ttlMs <= 0) return Promise.resolve();

    this.#entries.set(key, { value, bytes, expiresAt: this.#now() + ttlMs });
    this.#bytes += bytes;
    this.#evict();
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(key, entry);
    return Promise.resolve();
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) return;
      this.#remove(key, entry);
    }
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
