import { SlotMap } from "./slot-map.ts";
import { checkSearchArguments, checkShape, inverseNorm } from "./vector-error.ts";
import type { VectorIndex, VectorMatch } from "./vector-index.ts";
import { DEFAULT_INITIAL_CAPACITY, type VectorIndexOptions } from "./wasm-vector-index.ts";

/**
 * A `VectorIndex` in plain JavaScript: the baseline that `WasmVectorIndex` is measured against
 * and a fallback where WebAssembly is unavailable. It stores unit vectors in one flat
 * Float32Array, normalised as the WebAssembly store does, and scans every entry per search.
 */
export class JsVectorIndex implements VectorIndex {
  readonly dimension: number;
  private readonly slots = new SlotMap();
  private rows: Float32Array;
  private occupied: Uint8Array;

  constructor(dimension: number, options: VectorIndexOptions = {}) {
    const initialCapacity = options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY;
    checkShape(dimension, initialCapacity);
    this.dimension = dimension;
    this.rows = new Float32Array(initialCapacity * dimension);
    this.occupied = new Uint8Array(initialCapacity);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Slots the store has room for without growing. */
  get capacity(): number {
    return this.occupied.length;
  }

  add(id: string, vector: Float32Array): void {
    const scale = inverseNorm(vector, this.dimension);
    const slot = this.slots.assign(id);
    if (slot >= this.capacity) this.grow(Math.max(slot + 1, this.capacity * 2));

    const offset = slot * this.dimension;
    for (let i = 0; i < this.dimension; i++) {
      this.rows[offset + i] = (vector[i] as number) * scale;
    }
    this.occupied[slot] = 1;
  }

  remove(id: string): boolean {
    const slot = this.slots.release(id);
    if (slot === undefined) return false;
    this.occupied[slot] = 0;
    return true;
  }

  search(vector: Float32Array, k: number, minScore: number): VectorMatch[] {
    const scale = inverseNorm(vector, this.dimension);
    checkSearchArguments(k, minScore);
    if (k === 0 || this.size === 0) return [];

    const query = new Float32Array(this.dimension);
    for (let i = 0; i < this.dimension; i++) query[i] = (vector[i] as number) * scale;

    // The best `k` so far, best first: higher score, then lower slot.
    const bestSlots: number[] = [];
    const bestScores: number[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.occupied[slot] === 0) continue;
      const score = this.dot(slot, query);
      if (score < minScore) continue;
      if (bestScores.length === k && score <= (bestScores[k - 1] as number)) continue;
      insertRanked(bestSlots, bestScores, slot, score, k);
    }

    return bestSlots.map((slot, i) => ({
      id: this.slots.idOf(slot),
      score: bestScores[i] as number,
    }));
  }

  private dot(slot: number, query: Float32Array): number {
    const rows = this.rows;
    const offset = slot * this.dimension;
    let sum = 0;
    for (let i = 0; i < this.dimension; i++) {
      sum += (rows[offset + i] as number) * (query[i] as number);
    }
    return sum;
  }

  private grow(capacity: number): void {
    const rows = new Float32Array(capacity * this.dimension);
    rows.set(this.rows);
    this.rows = rows;
    const occupied = new Uint8Array(capacity);
    occupied.set(this.occupied);
    this.occupied = occupied;
  }
}

/**
 * Inserts a hit into the parallel arrays, kept sorted best first and cut to `k`. Slots arrive in
 * ascending order, so an equal score goes after the ones already there.
 */
function insertRanked(
  slots: number[],
  scores: number[],
  slot: number,
  score: number,
  k: number,
): void {
  let at = scores.length;
  while (at > 0 && (scores[at - 1] as number) < score) at--;
  slots.splice(at, 0, slot);
  scores.splice(at, 0, score);
  if (scores.length > k) {
    slots.pop();
    scores.pop();
  }
}
