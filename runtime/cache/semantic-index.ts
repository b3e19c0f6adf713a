import type { VectorIndex, VectorMatch } from "../vectors/vector-index.ts";
import { WasmVectorIndex } from "../vectors/wasm-vector-index.ts";

export interface SemanticIndexOptions {
  /** Upper bound on entries across all partitions; the oldest go first. */
  maxEntries: number;
  /** How long an entry stays matchable, in ms. */
  ttlMs: number;
  /** Current time in ms; tests pass a controlled clock. */
  now?: () => number;
  /** Builds the vector index of one partition. */
  createIndex?: (dimension: number) => VectorIndex;
}

interface Entry {
  partition: string;
  addedAt: number;
}

/**
 * Prompt embeddings of stored answers, one vector index per partition. A partition is one
 * scope (org, or key) with one request shape and answer mode, so a search never crosses them.
 * An entry's id is the exact store key of its answer. The index is in memory; the gateway
 * rebuilds it at boot from a `SemanticEntryStore`.
 */
export class SemanticIndex {
  readonly #indexes = new Map<string, VectorIndex>();
  /** Entries in insertion order, which is age order because every entry has the same TTL. */
  readonly #entries = new Map<string, Entry>();
  readonly #options: Required<Omit<SemanticIndexOptions, "createIndex">>;
  readonly #createIndex: (dimension: number) => VectorIndex;

  constructor(options: SemanticIndexOptions) {
    this.#options = { now: Date.now, ...options };
    this.#createIndex = options.createIndex ??
      ((dimension) => new WasmVectorIndex(dimension));
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Adds or replaces the entry `id`, then evicts the oldest entries beyond `maxEntries`.
   * `addedAt` (ms since the epoch) dates an entry loaded at boot; entries must come oldest first.
   */
  add(partition: string, id: string, vector: Float32Array, addedAt = this.#options.now()): void {
    this.remove(id);
    let index = this.#indexes.get(partition);
    if (index === undefined) {
      index = this.#createIndex(vector.length);
      this.#indexes.set(partition, index);
    }
    // A vector of another size (the embedding model changed) cannot be compared; it is dropped.
    if (index.dimension !== vector.length) return;

    index.add(id, vector);
    this.#entries.set(id, { partition, addedAt });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#options.maxEntries) break;
      this.remove(oldest);
    }
  }

  /** Returns the most similar live entry of the partition with a score of at least `minScore`. */
  search(partition: string, vector: Float32Array, minScore: number): VectorMatch | null {
    this.#expire();
    const index = this.#indexes.get(partition);
    if (index === undefined || index.dimension !== vector.length) return null;
    return index.search(vector, 1, minScore)[0] ?? null;
  }

  remove(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#entries.delete(id);

    const index = this.#indexes.get(entry.partition);
    index?.remove(id);
    if (index !== undefined && index.size === 0) this.#indexes.delete(entry.partition);
    return true;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** Removes expired entries; they sit at the front of the age order. */
  #expire(): void {
    const cutoff = this.#options.now() - this.#options.ttlMs;
    for (const [id, entry] of this.#entries) {
      if (entry.addedAt > cutoff) return;
      this.remove(id);
    }
  }
}
