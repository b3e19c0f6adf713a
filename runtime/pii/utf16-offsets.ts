/**
 * Converts ascending UTF-8 byte offsets into UTF-16 string indices in one pass over `utf8`.
 * `offsets` is rewritten in place. Each offset must fall on a character boundary, which holds
 * for the engine's spans.
 *
 * A UTF-8 lead byte starts one UTF-16 code unit, or two for a 4-byte sequence, because
 * JavaScript stores a character outside the Basic Multilingual Plane as a surrogate pair.
 * Continuation bytes (10xxxxxx) add none.
 */
export function utf8ToUtf16Offsets(utf8: Uint8Array, offsets: Uint32Array): void {
  let byte = 0;
  let units = 0;
  for (let i = 0; i < offsets.length; i++) {
    const target = offsets[i]!;
    while (byte < target) {
      const b = utf8[byte]!;
      if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
      byte++;
    }
    offsets[i] = units;
  }
}
