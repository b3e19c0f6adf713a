import type { VectorMatch } from "../../../runtime/vectors/vector-index.ts";

/** Seeded generator (mulberry32) so that a failing case can be rerun with the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws a vector with lanes uniform in [-1, 1), not normalised. */
export function randomVector(random: () => number, dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) vector[i] = random() * 2 - 1;
  return vector;
}

/** Cosine similarity in float64, straight from the definition. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return dot / Math.sqrt(aa * bb);
}

/** Brute-force top-k over every entry: sort all scores, best first, then cut. */
export function bruteForce(
  entries: Map<string, Float32Array>,
  query: Float32Array,
  k: number,
  minScore: number,
): VectorMatch[] {
  const all: VectorMatch[] = [];
  for (const [id, vector] of entries) all.push({ id, score: cosine(vector, query) });
  return all
    .filter((match) => match.score >= minScore)
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
