import type { RandomSource } from "./order-targets.ts";

/**
 * Returns a deterministic random source (the mulberry32 generator) for a 32-bit seed, so tests
 * of weighted choices and jitter repeat exactly. Not for anything that needs secrecy.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
