import type { VectorIndex, VectorMatch } from "../vectors/vector-index.ts";

/**
 * A linear-scan `VectorIndex`: it compares the query with every stored vector. The semantic
 * cache uses it until the shared JavaScript and WebAssembly indexes are in place.
 * NOTE: search costs O(size × dimension) per query, fine for the embedded bound of entries.
 */
export class BruteForceVectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly #vectors = new Map<string, Float32Array>();

  constructor(dimension: number) {
    this.dimension = dimension;
  }

  get size(): number {
    return this.#vectors.size;
  }

  add(id: string, vector: Float32Array): void {
    this.#vectors.set(id, unit(this.#checked(vector)));
  }

  remove(id: string): boolean {
    return this.#vectors.delete(id);
  }

  search(vector: Float32Array, k: number, minScore: number): VectorMatch[] {
    const query = unit(this.#checked(vector));
    const matches: VectorMatch[] = [];
    for (const [id, stored] of this.#vectors) {
      let score = 0;
      for (let i = 0; i < query.length; i += 1) score += query[i]! * stored[i]!;
      if (score >= minScore) matches.push({ id, score });
    }
    matches.sort((a, b) => b.score - a.score);
    return matches.slice(0, k);
  }

  #checked(vector: Float32Array): Float32Array {
    if (vector.length !== this.dimension) {
      throw new RangeError(
        `vector has ${vector.length} dimensions, the index expects ${this.dimension}`,
      );
    }
    return vector;
  }
}

function unit(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum) || 1;
  return vector.map((value) => value / norm);
}
