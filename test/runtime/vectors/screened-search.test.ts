import { describe, expect, test } from "bun:test";
import { JsVectorIndex } from "../../../runtime/vectors/js-vector-index.ts";
import type { VectorMatch } from "../../../runtime/vectors/vector-index.ts";
import { WasmVectorIndex } from "../../../runtime/vectors/wasm-vector-index.ts";
import { randomVector, seededRandom } from "./reference.ts";

// The WebAssembly index screens entries with int8 codes and rescores the candidates in f32.
// These tests hold it to the exact JavaScript index: same hits, same scores.

const DIMENSION = 384;
const SCORE_TOLERANCE = 1e-6;

/** Returns `centre` plus uniform noise of `spread` per lane. */
function near(random: () => number, centre: Float32Array, spread: number): Float32Array {
  const vector = new Float32Array(centre.length);
  for (let i = 0; i < centre.length; i++) {
    vector[i] = (centre[i] as number) + spread * (random() * 2 - 1);
  }
  return vector;
}

function buildPair(vectors: Float32Array[]): [WasmVectorIndex, JsVectorIndex] {
  const wasm = new WasmVectorIndex(DIMENSION, { initialCapacity: vectors.length });
  const js = new JsVectorIndex(DIMENSION, { initialCapacity: vectors.length });
  vectors.forEach((vector, i) => {
    wasm.add(`entry-${i}`, vector);
    js.add(`entry-${i}`, vector);
  });
  return [wasm, js];
}

/**
 * Checks that `actual` has the hits of the exact `expected`, position by position. An id may
 * differ only where the exact index scores the two ids within the tolerance of each other (f32
 * and f64 sums can order near-ties differently).
 */
function expectExact(actual: VectorMatch[], expected: VectorMatch[], js: JsVectorIndex,
  query: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let exactScores: Map<string, number> | undefined;
  for (let i = 0; i < expected.length; i++) {
    const got = actual[i] as VectorMatch;
    const want = expected[i] as VectorMatch;
    expect(Math.abs(got.score - want.score)).toBeLessThanOrEqual(SCORE_TOLERANCE);
    if (got.id === want.id) continue;
    exactScores ??= new Map(js.search(query, js.size, -1).map((m) => [m.id, m.score]));
    const gotExact = exactScores.get(got.id) as number;
    expect(Math.abs(gotExact - want.score)).toBeLessThanOrEqual(SCORE_TOLERANCE);
  }
}

/** Returns the smallest float32 above `value`, a floor that excludes a score of `value`. */
function nextFloat32Up(value: number): number {
  const float = new Float32Array([value]);
  const bits = new Int32Array(float.buffer);
  bits[0] = (bits[0] as number) + (value >= 0 ? 1 : -1);
  return float[0] as number;
}

describe("WasmVectorIndex screened search", () => {
  test("matches the exact index on random data", () => {
    const random = seededRandom(101);
    const vectors = Array.from({ length: 10_000 }, () => randomVector(random, DIMENSION));
    const [wasm, js] = buildPair(vectors);

    let rescored = 0;
    for (let q = 0; q < 20; q++) {
      const query = randomVector(random, DIMENSION);
      expectExact(wasm.search(query, 10, -1), js.search(query, 10, -1), js, query);
      rescored += wasm.lastRescored;
      expectExact(wasm.search(query, 100, 0.1), js.search(query, 100, 0.1), js, query);
    }
    // Screening must leave few entries to rescore: a full f32 pass would rescore all 10,000.
    expect(rescored / 20).toBeLessThan(500);
    expect(rescored).toBeGreaterThanOrEqual(20 * 10);
  }, 60_000);

  test("matches the exact index on clustered data", () => {
    const random = seededRandom(202);
    const centres = Array.from({ length: 40 }, () => randomVector(random, DIMENSION));
    // Tight clusters put many scores within the int8 margin of each other and of the floor.
    const vectors = Array.from({ length: 8_000 }, (_, i) =>
      near(random, centres[i % 40] as Float32Array, i % 2 === 0 ? 0.05 : 0.4));
    const [wasm, js] = buildPair(vectors);

    for (let q = 0; q < 30; q++) {
      const query = near(random, centres[q % 40] as Float32Array, 0.03);
      for (const [k, minScore] of [[1, 0.95], [1, 0.99], [10, -1], [50, 0.9]] as const) {
        expectExact(wasm.search(query, k, minScore), js.search(query, k, minScore), js, query);
      }
    }
  }, 60_000);

  test("threshold decision is exact at the boundary", () => {
    const random = seededRandom(303);
    const centres = Array.from({ length: 10 }, () => randomVector(random, DIMENSION));
    const vectors = Array.from({ length: 2_000 }, (_, i) =>
      near(random, centres[i % 10] as Float32Array, 0.05));
    const [wasm, js] = buildPair(vectors);

    for (let q = 0; q < 20; q++) {
      const query = near(random, centres[q % 10] as Float32Array, 0.05);
      const [best] = wasm.search(query, 1, -1);
      if (best === undefined) throw new Error("expected a best match");
      const [exact] = js.search(query, 1, -1);
      expect(Math.abs(best.score - (exact as VectorMatch).score)).toBeLessThanOrEqual(
        SCORE_TOLERANCE,
      );

      // A floor equal to the best score keeps it; one float32 step above drops it.
      expect(wasm.search(query, 1, best.score)).toEqual([best]);
      const above = wasm.search(query, 1, nextFloat32Up(best.score));
      expect(above.every((match) => match.score > best.score)).toBe(true);
      expect(above).toEqual([]);
    }
  });
});
