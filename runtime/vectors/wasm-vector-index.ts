import { SlotMap } from "./slot-map.ts";
import {
  checkSearchArguments,
  checkShape,
  inverseNorm,
  vectorError,
} from "./vector-error.ts";
import type { VectorIndex, VectorMatch } from "./vector-index.ts";
import { instantiateVectors, VECTOR_STATUS, type VectorExports } from "./wasm-module.ts";

export interface VectorIndexOptions {
  /** Slots to reserve up front; the index grows past it by doubling. Default 1024. */
  initialCapacity?: number;
}

export const DEFAULT_INITIAL_CAPACITY = 1024;

/**
 * A `VectorIndex` whose vectors and search run in WebAssembly (`wasm/vectors`). Each entry is
 * stored in f32 and as int8 codes with a per-entry scale. A search screens every entry with a
 * SIMD int8 dot product, which bounds each f32 score within a proven margin, then computes the
 * f32 score of the entries that can still reach the top `k` and `minScore`. The results and
 * scores are those of a full f32 scan; a search costs O(size · dimension) byte reads plus
 * O(candidates · dimension) f32 reads. Each index owns one module instance and its memory.
 */
export class WasmVectorIndex implements VectorIndex {
  readonly dimension: number;
  private readonly engine: VectorExports;
  private readonly slots = new SlotMap();
  /** A `dimension`-float buffer in module memory that each vector is copied into. */
  private readonly scratch: number;

  constructor(dimension: number, options: VectorIndexOptions = {}) {
    const initialCapacity = options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY;
    checkShape(dimension, initialCapacity);
    this.dimension = dimension;
    this.engine = instantiateVectors();

    const maxDimension = this.engine.max_dimension();
    if (dimension > maxDimension) {
      throw vectorError(`dimension ${dimension} is above the maximum of ${maxDimension}`);
    }
    this.expectOk(this.engine.init(dimension, initialCapacity), "init");

    this.scratch = this.engine.alloc(dimension * 4);
    if (this.scratch === 0) throw vectorError(`vector index init failed: ${VECTOR_STATUS[-3]}`);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Slots the module has room for without growing its store. */
  get capacity(): number {
    return this.engine.capacity();
  }

  /** Entries whose f32 score the last search computed after screening. */
  get lastRescored(): number {
    return this.engine.rescored();
  }

  /** Size in bytes of the index's WebAssembly memory, which never shrinks. */
  get memoryBytes(): number {
    return this.engine.memory.buffer.byteLength;
  }

  add(id: string, vector: Float32Array): void {
    // Checked here so that the error names the dimension; the module normalises.
    inverseNorm(vector, this.dimension);

    const isNew = !this.slots.has(id);
    const slot = this.slots.assign(id);
    this.copyIn(vector);
    const status = this.engine.add(slot, this.scratch);
    if (status !== 0 && isNew) this.slots.unassign(id, slot);
    this.expectOk(status, "add");
  }

  remove(id: string): boolean {
    const slot = this.slots.release(id);
    if (slot === undefined) return false;
    this.expectOk(this.engine.remove(slot), "remove");
    return true;
  }

  search(vector: Float32Array, k: number, minScore: number): VectorMatch[] {
    inverseNorm(vector, this.dimension);
    checkSearchArguments(k, minScore);
    if (k === 0 || this.size === 0) return [];

    this.copyIn(vector);
    const count = this.engine.search(this.scratch, Math.min(k, this.size), minScore);
    this.expectOk(count, "search");

    // The search may have grown memory, which detaches earlier views, so they are made here.
    const at = this.engine.results_ptr();
    const slots = new Uint32Array(this.engine.memory.buffer, at, count * 2);
    const scores = new Float32Array(this.engine.memory.buffer, at, count * 2);
    const matches: VectorMatch[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.slots.idOf(slots[2 * i] as number);
      matches.push({ id, score: scores[2 * i + 1] as number });
    }
    return matches;
  }

  private copyIn(vector: Float32Array): void {
    new Float32Array(this.engine.memory.buffer, this.scratch, this.dimension).set(vector);
  }

  private expectOk(status: number, call: string): void {
    if (status >= 0) return;
    const reason = VECTOR_STATUS[status] ?? `unknown status ${status}`;
    throw vectorError(`vector index ${call} failed: ${reason}`);
  }
}
