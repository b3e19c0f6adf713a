import { BUILTIN_KINDS, kindMask } from "./kinds.ts";
import type { PiiScannerOptions } from "./options.ts";

/** Format version the engine's `init` accepts (`wasm/pii/src/config.rs`). */
const CONFIG_VERSION = 1;

/**
 * Encodes scanner options into the engine's config blob: little-endian u32 fields and
 * length-prefixed UTF-8 strings, laid out as `wasm/pii/src/config.rs` documents.
 */
export function encodeConfig(options: PiiScannerOptions): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let length = 0;

  const pushU32 = (value: number) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    chunks.push(bytes);
    length += 4;
  };
  const pushString = (value: string) => {
    const bytes = encoder.encode(value);
    pushU32(bytes.length);
    chunks.push(bytes);
    length += bytes.length;
  };

  pushU32(CONFIG_VERSION);
  pushU32(kindMask(options.kinds ?? BUILTIN_KINDS));

  const patterns = options.patterns ?? [];
  pushU32(patterns.length);
  for (const pattern of patterns) pushString(pattern.pattern);

  const dictionaries = options.dictionaries ?? [];
  pushU32(dictionaries.length);
  for (const dictionary of dictionaries) {
    pushU32(dictionary.ignoreCase ? 1 : 0);
    pushU32(dictionary.words.length);
    for (const word of dictionary.words) pushString(word);
  }

  const blob = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    blob.set(chunk, offset);
    offset += chunk.length;
  }
  return blob;
}
