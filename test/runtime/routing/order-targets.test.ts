import { describe, expect, test } from "bun:test";
import { orderTargets, pickWeighted } from "../../../runtime/routing/order-targets.ts";
import { seededRandom } from "../../../runtime/routing/seeded-random.ts";

const targets = [
  { name: "a", weight: 1 },
  { name: "b", weight: 3 },
  { name: "c", weight: 6 },
];

describe("orderTargets", () => {
  test("single keeps the first target", () => {
    const ordered = orderTargets("single", targets, seededRandom(1));
    expect(ordered.map((t) => t.name)).toEqual(["a"]);
  });

  test("fallback keeps config order", () => {
    const ordered = orderTargets("fallback", targets, seededRandom(1));
    expect(ordered.map((t) => t.name)).toEqual(["a", "b", "c"]);
  });

  test("loadbalance lists every target once", () => {
    for (let seed = 0; seed < 50; seed += 1) {
      const ordered = orderTargets("loadbalance", targets, seededRandom(seed));
      expect(ordered.map((t) => t.name).sort()).toEqual(["a", "b", "c"]);
    }
  });

  test("loadbalance first pick follows weights", () => {
    const random = seededRandom(42);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const picks = 1000;
    for (let i = 0; i < picks; i += 1) {
      const first = orderTargets("loadbalance", targets, random)[0]!;
      counts[first.name]! += 1;
    }
    // Expected shares are 10%, 30% and 60%; 1000 draws stay within 5 points of them.
    expect(Math.abs(counts.a! / picks - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(counts.b! / picks - 0.3)).toBeLessThan(0.05);
    expect(Math.abs(counts.c! / picks - 0.6)).toBeLessThan(0.05);
  });

  test("same seed gives the same order", () => {
    const first = orderTargets("loadbalance", targets, seededRandom(7)).map((t) => t.name);
    const second = orderTargets("loadbalance", targets, seededRandom(7)).map((t) => t.name);
    expect(first).toEqual(second);
  });
});

describe("pickWeighted", () => {
  test("edges of the random range", () => {
    expect(pickWeighted(targets, () => 0)).toBe(0);
    expect(pickWeighted(targets, () => 0.0999)).toBe(0);
    expect(pickWeighted(targets, () => 0.1)).toBe(1);
    expect(pickWeighted(targets, () => 0.9999999)).toBe(2);
  });
});
