import { describe, expect, test } from "bun:test";
import { SemanticIndex } from "../../../runtime/cache/semantic-index.ts";

function vector(...values: number[]): Float32Array {
  return Float32Array.from(values);
}

function indexAt(clock: { now: number }, maxEntries = 10, ttlMs = 1000): SemanticIndex {
  return new SemanticIndex({ maxEntries, ttlMs, now: () => clock.now });
}

describe("semantic index", () => {
  test("finds nearest above threshold", () => {
    const index = indexAt({ now: 0 });
    index.add("p", "a", vector(1, 0, 0));
    index.add("p", "b", vector(0.8, 0.6, 0));

    const match = index.search("p", vector(0.9, 0.44, 0), 0.5);
    expect(match?.id).toBe("b");
    expect(index.search("p", vector(0, 0, 1), 0.5)).toBeNull();
  });

  test("partitions never cross", () => {
    const index = indexAt({ now: 0 });
    index.add("org:a", "x", vector(1, 0));
    expect(index.search("org:b", vector(1, 0), 0.1)).toBeNull();
    expect(index.search("org:a", vector(1, 0), 0.1)?.score).toBeCloseTo(1, 6);
  });

  test("expires entries after ttl", () => {
    const clock = { now: 0 };
    const index = indexAt(clock, 10, 1000);
    index.add("p", "old", vector(1, 0));
    clock.now = 500;
    index.add("p", "new", vector(0, 1));

    clock.now = 1000;
    expect(index.search("p", vector(1, 0), 0.9)).toBeNull();
    expect(index.search("p", vector(0, 1), 0.9)?.id).toBe("new");
    expect(index.size).toBe(1);
  });

  test("evicts oldest beyond maxEntries", () => {
    const index = indexAt({ now: 0 }, 2);
    index.add("p", "first", vector(1, 0, 0));
    index.add("q", "second", vector(0, 1, 0));
    index.add("p", "third", vector(0, 0, 1));

    expect(index.size).toBe(2);
    expect(index.has("first")).toBe(false);
    expect(index.search("p", vector(1, 0, 0), 0.9)).toBeNull();
    expect(index.search("q", vector(0, 1, 0), 0.9)?.id).toBe("second");
  });

  test("re-adding moves entry to newest", () => {
    const index = indexAt({ now: 0 }, 2);
    index.add("p", "a", vector(1, 0));
    index.add("p", "b", vector(0, 1));
    index.add("p", "a", vector(1, 0));
    index.add("p", "c", vector(-1, 0));
    expect(index.has("a")).toBe(true);
    expect(index.has("b")).toBe(false);
  });

  test("remove drops the vector", () => {
    const index = indexAt({ now: 0 });
    index.add("p", "a", vector(1, 0));
    expect(index.remove("a")).toBe(true);
    expect(index.remove("a")).toBe(false);
    expect(index.search("p", vector(1, 0), 0.1)).toBeNull();
  });

  test("other dimension never matches", () => {
    const index = indexAt({ now: 0 });
    index.add("p", "a", vector(1, 0));
    index.add("p", "b", vector(1, 0, 0));
    expect(index.has("b")).toBe(false);
    expect(index.search("p", vector(1, 0, 0), 0.1)).toBeNull();
  });
});
