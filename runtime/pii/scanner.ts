import { ConfigError } from "../config/load.ts";
import { NexusError } from "../errors/nexus-error.ts";
import { encodeConfig } from "./config-blob.ts";
import { BUILTIN_KINDS } from "./kinds.ts";
import type { PiiScannerOptions } from "./options.ts";
import type { Span } from "./span.ts";
import { utf8ToUtf16Offsets } from "./utf16-offsets.ts";
import { instantiatePii, type PiiExports } from "./wasm-module.ts";

/** `scan` status codes from `wasm/pii/src/ffi.rs`. */
const NOT_INITIALISED = -1;
const INPUT_TOO_LARGE = -2;
const TOO_MANY_SPANS = -3;

const encoder = new TextEncoder();

/**
 * Finds PII and secrets in text with the WebAssembly engine. Create one per configuration at
 * boot (compiling the patterns takes tens of milliseconds) and reuse it; `scan` is
 * synchronous. Not safe to share between threads, like any WebAssembly instance.
 */
export class PiiScanner {
  readonly #wasm: PiiExports;
  readonly #kindNames: string[];
  readonly #maxInputBytes: number;
  #inputPtr = 0;
  #inputCapacity = 0;

  constructor(options: PiiScannerOptions = {}) {
    this.#kindNames = kindNames(options);
    this.#wasm = instantiatePii();
    this.#maxInputBytes = this.#wasm.max_input_bytes();
    this.#init(encodeConfig(options), options);
  }

  /** Largest input in UTF-8 bytes that `scan` accepts. */
  get maxInputBytes(): number {
    return this.#maxInputBytes;
  }

  /**
   * Returns the spans found in `text`, sorted by start and non-overlapping, with UTF-16
   * offsets. Throws a `body_too_large` NexusError when the text exceeds `maxInputBytes` in
   * UTF-8 or yields more spans than the engine returns at once.
   */
  scan(text: string): Span[] {
    if (text.length === 0) return [];
    if (text.length > this.#maxInputBytes) throw tooLarge(text.length, this.#maxInputBytes);

    // encodeInto needs room for the worst case: three UTF-8 bytes per UTF-16 code unit.
    this.#reserve(text.length * 3);
    const target = new Uint8Array(this.#wasm.memory.buffer, this.#inputPtr, this.#inputCapacity);
    const { read, written } = encoder.encodeInto(text, target);
    if (written > this.#maxInputBytes) throw tooLarge(written, this.#maxInputBytes);

    const count = this.#wasm.scan(this.#inputPtr, written);
    if (count < 0) throw scanError(count, written, this.#maxInputBytes);
    if (count === 0) return [];

    // scan may have grown memory, which detaches every earlier view, so take fresh ones.
    const triples = new Uint32Array(this.#wasm.memory.buffer, this.#wasm.results_ptr(), count * 3);
    const offsets = new Uint32Array(count * 2);
    for (let i = 0; i < count; i++) {
      offsets[2 * i] = triples[3 * i + 1]!;
      offsets[2 * i + 1] = triples[3 * i + 2]!;
    }
    const ascii = read === written;
    if (!ascii) {
      const utf8 = new Uint8Array(this.#wasm.memory.buffer, this.#inputPtr, written);
      utf8ToUtf16Offsets(utf8, offsets);
    }

    const spans: Span[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const kind = this.#kindNames[triples[3 * i]!] ?? "unknown";
      spans[i] = { kind, start: offsets[2 * i]!, end: offsets[2 * i + 1]! };
    }
    return spans;
  }

  /** Frees the input buffer; the scanner allocates a new one if `scan` is called again. */
  dispose(): void {
    if (this.#inputCapacity > 0) this.#wasm.free(this.#inputPtr, this.#inputCapacity);
    this.#inputPtr = 0;
    this.#inputCapacity = 0;
  }

  #init(blob: Uint8Array, options: PiiScannerOptions): void {
    const ptr = this.#wasm.alloc(blob.length);
    new Uint8Array(this.#wasm.memory.buffer, ptr, blob.length).set(blob);
    const status = this.#wasm.init(ptr, blob.length);
    this.#wasm.free(ptr, blob.length);
    if (status === 0) return;

    const bytes = new Uint8Array(
      this.#wasm.memory.buffer,
      this.#wasm.error_ptr(),
      this.#wasm.error_len(),
    );
    throw new ConfigError(initErrorMessage(new TextDecoder().decode(bytes), options));
  }

  /** Makes the input buffer hold at least `size` bytes, doubling to amortise growth. */
  #reserve(size: number): void {
    if (size <= this.#inputCapacity) return;
    const capacity = Math.max(size, this.#inputCapacity * 2, 4096);
    if (this.#inputCapacity > 0) this.#wasm.free(this.#inputPtr, this.#inputCapacity);
    this.#inputCapacity = 0;
    const ptr = this.#wasm.alloc(capacity);
    if (ptr === 0) throw tooLarge(size, this.#maxInputBytes);
    this.#inputPtr = ptr;
    this.#inputCapacity = capacity;
  }
}

/** Creates a scanner; the engine module is compiled once per process and shared. */
export function createPiiScanner(options: PiiScannerOptions = {}): PiiScanner {
  return new PiiScanner(options);
}

/** Names by kind id: built-ins, then custom patterns, then dictionaries. */
function kindNames(options: PiiScannerOptions): string[] {
  const names: string[] = [...BUILTIN_KINDS];
  const custom = [...(options.patterns ?? []), ...(options.dictionaries ?? [])];
  for (const { name } of custom) {
    if (names.includes(name)) {
      throw new ConfigError(`pii: kind name "${name}" is used twice; give each a unique name`);
    }
    names.push(name);
  }
  return names;
}

/** Rewrites an init error to name the configured pattern instead of its index. */
function initErrorMessage(reason: string, options: PiiScannerOptions): string {
  const match = /^custom pattern (\d+): /.exec(reason);
  const pattern = match ? options.patterns?.[Number(match[1])] : undefined;
  if (!pattern) return `pii: invalid scanner config: ${reason}`;
  return `pii: invalid pattern "${pattern.name}": ${reason.slice(match![0].length)}`;
}

function tooLarge(size: number, max: number): NexusError {
  return new NexusError(
    "body_too_large",
    `Text of ${size} bytes is too large to scan for PII; the limit is ${max} bytes.`,
    { status: 413, type: "invalid_request_error" },
  );
}

function scanError(status: number, size: number, max: number): NexusError {
  if (status === INPUT_TOO_LARGE) return tooLarge(size, max);
  if (status === TOO_MANY_SPANS) {
    return new NexusError(
      "body_too_large",
      `Text of ${size} bytes holds more PII matches than one scan returns; send it in parts.`,
      { status: 413, type: "invalid_request_error" },
    );
  }
  const reason = status === NOT_INITIALISED ? "engine not initialised" : `status ${status}`;
  return new NexusError("internal_error", `PII scan failed: ${reason}.`, {
    status: 500,
    type: "api_error",
  });
}
