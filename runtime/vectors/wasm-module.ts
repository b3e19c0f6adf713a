import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The engine's exports (`wasm/vectors/src/ffi.rs`). Pointers and sizes are u32 offsets. */
export interface VectorExports {
  memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(ptr: number, size: number): void;
  init(dimension: number, capacity: number): number;
  add(slot: number, ptr: number): number;
  remove(slot: number): number;
  search(queryPtr: number, k: number, minScore: number): number;
  results_ptr(): number;
  capacity(): number;
  rescored(): number;
  max_dimension(): number;
}

/** Negative status codes of `init`, `add`, `remove` and `search`. */
export const VECTOR_STATUS: Record<number, string> = {
  [-1]: "the index is not initialised",
  [-2]: "the dimension is out of range",
  [-3]: "WebAssembly memory cannot grow",
  [-4]: "the vector has no direction",
};

/** The committed build of `wasm/vectors`, produced by `wasm/build.sh`. */
export const VECTORS_WASM_PATH = join(
  import.meta.dir, "..", "..", "wasm", "vectors", "vectors.wasm",
);

let compiled: WebAssembly.Module | undefined;

/**
 * Compiles the engine on first use and returns the same module afterwards. Compiling is
 * synchronous so that an index can be created at boot without awaiting.
 */
export function vectorsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(VECTORS_WASM_PATH));
  return compiled;
}

/** Instantiates the engine. It imports nothing, so each instance has its own memory. */
export function instantiateVectors(): VectorExports {
  const instance = new WebAssembly.Instance(vectorsModule(), {});
  return instance.exports as unknown as VectorExports;
}
