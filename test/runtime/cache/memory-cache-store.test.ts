import { describe, expect, test } from "bun:test";
import { byteSize } from "../../../runtime/cache/cache-store.ts";
import { MemoryCacheStore } from "../../../runtime/cache/memory-cache-store.ts";

function clockedStore(maxBytes: number) {
  const clock = { now: 1_000 };
  const store = new MemoryCacheStore({ maxBytes, now: () => clock.now });
  return { clock, store };
}

describe("memory cache store TTL", () => {
  test("serves before expiry", async () => {
    const { clock, store } = clockedStore(10_000);
    await store.set("k", "v", 500);
    clock.now += 499;
    expect(await store.get("k")).toBe("v");
  });

  test("misses at expiry", async () => {
    const { clock, store } = clockedStore(10_000);
    await store.set("k", "v", 500);
    clock.now += 500;
    expect(await store.get("k")).toBeNull();
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  test("overwrite renews TTL", async () => {
    const { clock, store } = clockedStore(10_000);
    await store.set("k", "old", 500);
    clock.now += 400;
    await store.set("k", "new", 500);
    clock.now += 400;
    expect(await store.get("k")).toBe("new");
  });
});

describe("memory cache store bound", () => {
  const entry = (key: string) => byteSize(key) + byteSize("x".repeat(100));

  test("evicts least recently used", async () => {
    const { store } = clockedStore(entry("a") * 3);
    const value = "x".repeat(100);
    await store.set("a", value, 60_000);
    await store.set("b", value, 60_000);
    await store.set("c", value, 60_000);
    // Reading `a` makes `b` the least recently used.
    expect(await store.get("a")).toBe(value);
    await store.set("d", value, 60_000);

    expect(await store.get("b")).toBeNull();
    expect(await store.get("a")).toBe(value);
    expect(await store.get("c")).toBe(value);
    expect(await store.get("d")).toBe(value);
    expect(store.bytes).toBe(entry("a") * 3);
  });

  test("counts bytes as UTF-8", async () => {
    const { store } = clockedStore(10_000);
    await store.set("k", "é€", 60_000);
    expect(store.bytes).toBe(1 + 2 + 3);
  });

  test("evicts several for one large entry", async () => {
    const { store } = clockedStore(250);
    await store.set("a", "x".repeat(100), 60_000);
    await store.set("b", "x".repeat(100), 60_000);
    await store.set("c", "x".repeat(200), 60_000);
    expect(await store.get("a")).toBeNull();
    expect(await store.get("b")).toBeNull();
    expect(await store.get("c")).toBe("x".repeat(200));
  });

  test("skips an entry over the bound", async () => {
    const { store } = clockedStore(50);
    await store.set("small", "x", 60_000);
    await store.set("big", "x".repeat(100), 60_000);
    expect(await store.get("big")).toBeNull();
    expect(await store.get("small")).toBe("x");
  });

  test("delete frees bytes", async () => {
    const { store } = clockedStore(10_000);
    await store.set("k", "value", 60_000);
    await store.delete("k");
    expect(await store.get("k")).toBeNull();
    expect(store.bytes).toBe(0);
  });
});
