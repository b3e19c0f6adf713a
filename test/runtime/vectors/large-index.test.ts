import { expect, test } from "bun:test";
import { WasmVectorIndex } from "../../../runtime/vectors/wasm-vector-index.ts";
import { bruteForce, randomVector, seededRandom } from "./reference.ts";

const COUNT = 100_000;
const DIMENSION = 384;

test("100k entries of dimension 384 fit and search", () => {
  // Starting small makes the store double its way up through WebAssembly memory growth.
  const index = new WasmVectorIndex(DIMENSION, { initialCapacity: 1024 });
  const random = seededRandom(42);
  const entries = new Map<string, Float32Array>();
  for (let i = 0; i < COUNT; i++) {
    const vector = randomVector(random, DIMENSION);
    entries.set(`entry-${i}`, vector);
    index.add(`entry-${i}`, vector);
  }
  expect(index.size).toBe(COUNT);
  expect(index.capacity).toBeGreaterThanOrEqual(COUNT);

  // A stored vector finds itself first; a random query agrees with brute force.
  const last = entries.get(`entry-${COUNT - 1}`) as Float32Array;
  expect(index.search(last, 1, -1)[0]?.id).toBe(`entry-${COUNT - 1}`);

  const query = randomVector(seededRandom(43), DIMENSION);
  const expected = bruteForce(entries, query, 10, -1);
  const actual = index.search(query, 10, -1);
  expect(actual.map((match) => match.id)).toEqual(expected.map((match) => match.id));
  for (let i = 0; i < 10; i++) {
    expect(Math.abs((actual[i]?.score ?? 0) - (expected[i]?.score ?? 0))).toBeLessThan(1e-5);
  }
}, 60_000);
