import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The engine's exports (`wasm/pii/src/ffi.rs`). Pointers and sizes are u32 offsets. */
export interface PiiExports {
  memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(ptr: number, size: number): void;
  init(ptr: number, len: number): number;
  scan(ptr: number, len: number): number;
  results_ptr(): number;
  error_ptr(): number;
  error_len(): number;
  max_input_bytes(): number;
}

/** The committed build of `wasm/pii`, produced by `wasm/build.sh`. */
export const PII_WASM_PATH = join(import.meta.dir, "..", "..", "wasm", "pii", "pii.wasm");

let compiled: WebAssembly.Module | undefined;

/**
 * Compiles the engine on first use and returns the same module afterwards. Compiling is
 * synchronous so that a scanner can be created at boot without awaiting.
 */
export function piiModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(PII_WASM_PATH));
  return compiled;
}

/** Instantiates the engine. It imports nothing, so each instance has its own memory. */
export function instantiatePii(): PiiExports {
  const instance = new WebAssembly.Instance(piiModule(), {});
  return instance.exports as unknown as PiiExports;
}
