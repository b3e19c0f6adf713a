import { describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { JsVectorIndex } from "../../../runtime/vectors/js-vector-index.ts";
import type { VectorIndex, VectorMatch } from "../../../runtime/vectors/vector-index.ts";
import { WasmVectorIndex } from "../../../runtime/vectors/wasm-vector-index.ts";
import { bruteForce, cosine, randomVector, seededRandom } from "./reference.ts";

const TOLERANCE = 1e-5;

type IndexWithCapacity = VectorIndex & { readonly capacity: number };

const IMPLEMENTATIONS: [string, (dimension: number, capacity?: number) => IndexWithCapacity][] = [
  ["WasmVectorIndex", (d, capacity) => new WasmVectorIndex(d, { initialCapacity: capacity })],
  ["JsVectorIndex", (d, capacity) => new JsVectorIndex(d, { initialCapacity: capacity })],
];

/**
 * Checks `actual` against the brute-force result. Scores must agree position by position. An id
 * may differ only where two entries score within the tolerance of each other, which f32
 * rounding can reorder.
 */
function expectSameMatches(
  actual: VectorMatch[],
  expected: VectorMatch[],
  entries: Map<string, Float32Array>,
  query: Float32Array,
): void {
  expect(actual.length).toBe(expected.length);
  expect(new Set(actual.map((match) => match.id)).size).toBe(actual.length);
  for (let i = 0; i < expected.length; i++) {
    const got = actual[i] as VectorMatch;
    const want = expected[i] as VectorMatch;
    expect(Math.abs(got.score - want.score)).toBeLessThan(TOLERANCE);
    if (got.id !== want.id) {
      const gotReference = cosine(entries.get(got.id) as Float32Array, query);
      expect(Math.abs(gotReference - want.score)).toBeLessThan(TOLERANCE);
    }
  }
}

function fill(index: VectorIndex, count: number, seed: number): Map<string, Float32Array> {
  const random = seededRandom(seed);
  const entries = new Map<string, Float32Array>();
  for (let i = 0; i < count; i++) {
    const vector = randomVector(random, index.dimension);
    entries.set(`entry-${i}`, vector);
    index.add(`entry-${i}`, vector);
  }
  return entries;
}

function unit(dimension: number, lane: number, value = 1): Float32Array {
  const vector = new Float32Array(dimension);
  vector[lane] = value;
  return vector;
}

for (const [name, create] of IMPLEMENTATIONS) {
  describe(name, () => {
    for (const dimension of [1, 3, 4, 7, 16, 17, 384, 385]) {
      test(`matches brute force at dimension ${dimension}`, () => {
        const index = create(dimension, 64);
        const entries = fill(index, 600, dimension);
        const random = seededRandom(dimension + 1000);

        let sameIds = 0;
        for (let q = 0; q < 20; q++) {
          const query = randomVector(random, dimension);
          const expected = bruteForce(entries, query, 10, -1);
          const actual = index.search(query, 10, -1);
          expectSameMatches(actual, expected, entries, query);
          sameIds += actual.filter((match, i) => match.id === expected[i]?.id).length;
        }
        // Near-ties can swap a pair, but the ids must almost all agree.
        expect(sameIds).toBeGreaterThanOrEqual(195);
      });
    }

    test("matches brute force after removals", () => {
      const index = create(33, 16);
      const entries = fill(index, 400, 5);
      // Removing by a pattern leaves every mix of used and free neighbouring slots.
      [...entries.keys()].forEach((id, i) => {
        if (i % 3 === 0 || i % 7 === 0) {
          expect(index.remove(id)).toBe(true);
          entries.delete(id);
        }
      });
      expect(index.size).toBe(entries.size);

      const random = seededRandom(6);
      for (let q = 0; q < 10; q++) {
        const query = randomVector(random, 33);
        expectSameMatches(index.search(query, 25, -1), bruteForce(entries, query, 25, -1),
          entries, query);
      }
    });

    test("scores scaled copies as one direction", () => {
      const index = create(5);
      index.add("a", new Float32Array([1, 2, 3, 4, 5]));
      const [match] = index.search(new Float32Array([10, 20, 30, 40, 50]), 1, -1);
      expect(match?.id).toBe("a");
      expect(Math.abs((match?.score ?? 0) - 1)).toBeLessThan(TOLERANCE);
    });

    test("replace keeps one entry", () => {
      const index = create(3);
      index.add("a", unit(3, 0));
      index.add("b", unit(3, 1));
      index.add("a", unit(3, 2));
      expect(index.size).toBe(2);
      const matches = index.search(unit(3, 2), 5, -1);
      expect(matches.map((match) => match.id)).toEqual(["a", "b"]);
      expect(matches[0]?.score).toBeCloseTo(1, 6);
      expect(matches[1]?.score).toBeCloseTo(0, 6);
    });

    test("remove drops the entry", () => {
      const index = create(3);
      index.add("a", unit(3, 0));
      index.add("b", unit(3, 1));
      expect(index.remove("a")).toBe(true);
      expect(index.remove("a")).toBe(false);
      expect(index.remove("never-added")).toBe(false);
      expect(index.size).toBe(1);
      expect(index.search(unit(3, 0), 5, -1).map((match) => match.id)).toEqual(["b"]);
    });

    test("remove then add reuses the slot", () => {
      const index = create(2, 4);
      for (const id of ["a", "b", "c", "d"]) index.add(id, unit(2, 0));
      index.remove("b");
      index.add("e", unit(2, 1));
      expect(index.capacity).toBe(4);
      expect(index.size).toBe(4);
      expect(index.search(unit(2, 1), 1, -1).map((match) => match.id)).toEqual(["e"]);
      expect(index.search(unit(2, 0), 10, 0.5).map((match) => match.id)).toEqual(["a", "c", "d"]);
    });

    test("minScore filters low scores", () => {
      const index = create(2);
      index.add("same", new Float32Array([1, 0]));
      index.add("diagonal", new Float32Array([1, 1]));
      index.add("orthogonal", new Float32Array([0, 1]));
      index.add("opposite", new Float32Array([-1, 0]));
      const query = new Float32Array([1, 0]);
      const ids = (minScore: number) => index.search(query, 10, minScore).map((m) => m.id);
      expect(ids(0.9)).toEqual(["same"]);
      expect(ids(0.7)).toEqual(["same", "diagonal"]);
      expect(ids(0)).toEqual(["same", "diagonal", "orthogonal"]);
      expect(ids(-1)).toEqual(["same", "diagonal", "orthogonal", "opposite"]);
      expect(ids(1.5)).toEqual([]);
    });

    test("minScore matches brute force on random data", () => {
      const index = create(24);
      const entries = fill(index, 300, 7);
      const query = randomVector(seededRandom(8), 24);
      const expected = bruteForce(entries, query, 300, 0.2);
      expect(expected.length).toBeGreaterThan(10);
      expect(expected.length).toBeLessThan(300);
      expectSameMatches(index.search(query, 300, 0.2), expected, entries, query);
    });

    test("k larger than size returns all", () => {
      const index = create(7);
      const entries = fill(index, 5, 3);
      const query = randomVector(seededRandom(4), 7);
      const matches = index.search(query, 50, -1);
      expect(matches.length).toBe(5);
      expectSameMatches(matches, bruteForce(entries, query, 50, -1), entries, query);
    });

    test("empty index and k of zero", () => {
      const index = create(4);
      expect(index.size).toBe(0);
      expect(index.search(unit(4, 0), 10, -1)).toEqual([]);
      index.add("a", unit(4, 0));
      expect(index.search(unit(4, 0), 0, -1)).toEqual([]);
      index.remove("a");
      expect(index.search(unit(4, 0), 10, -1)).toEqual([]);
    });

    test("grows past initial capacity", () => {
      const index = create(385, 2);
      const entries = fill(index, 1000, 11);
      expect(index.size).toBe(1000);
      expect(index.capacity).toBeGreaterThanOrEqual(1000);

      // Every entry survives the copies that growth makes: each finds itself first.
      for (const [id, vector] of entries) {
        const [match] = index.search(vector, 1, -1);
        expect(match?.id).toBe(id);
        expect(Math.abs((match?.score ?? 0) - 1)).toBeLessThan(TOLERANCE);
      }
    });

    test("rejects vectors it cannot score", () => {
      const index = create(3);
      const reject = (run: () => unknown) => {
        try {
          run();
        } catch (error) {
          expect(error).toBeInstanceOf(NexusError);
          expect((error as NexusError).code).toBe("internal_error");
          return;
        }
        throw new Error("expected a NexusError");
      };
      reject(() => index.add("a", new Float32Array(4)));
      reject(() => index.add("a", new Float32Array(3)));
      reject(() => index.add("a", new Float32Array([1, Number.NaN, 0])));
      reject(() => index.add("a", new Float32Array([1, Number.POSITIVE_INFINITY, 0])));
      reject(() => index.search(new Float32Array(3), 1, 0));
      reject(() => index.search(unit(3, 0), -1, 0));
      reject(() => index.search(unit(3, 0), 1.5, 0));
      reject(() => index.search(unit(3, 0), 1, Number.NaN));
      reject(() => create(0));
      expect(index.size).toBe(0);
    });
  });
}
