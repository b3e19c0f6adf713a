/**
 * Nearest-neighbour search over unit vectors by cosine similarity. The semantic cache uses it;
 * one implementation runs in WebAssembly with SIMD, a plain JavaScript one is the baseline.
 */
export interface VectorMatch {
  id: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
}

export interface VectorIndex {
  readonly dimension: number;
  readonly size: number;
  /** Adds or replaces the vector of `id`; the vector is normalised to unit length on the way. */
  add(id: string, vector: Float32Array): void;
  remove(id: string): boolean;
  /** The `k` most similar entries with a score of at least `minScore`, best first. */
  search(vector: Float32Array, k: number, minScore: number): VectorMatch[];
}
