import { afterAll, describe, expect, test } from "bun:test";
import type { CacheStore } from "../../../runtime/cache/cache-store.ts";
import { MemoryCacheStore } from "../../../runtime/cache/memory-cache-store.ts";
import { ValkeyCacheStore } from "../../../runtime/cache/valkey-cache-store.ts";
import { openValkeyForTest } from "../../support/valkey.ts";

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

/** Largest value every backend under test stores, in bytes. */
const MAX_VALUE_BYTES = 200;

let namespaces = 0;

const BACKENDS: { name: string; open(): CacheStore }[] = [{
  name: "memory",
  // The memory bound counts the key too: one byte for the key `k` used below.
  open: () => new MemoryCacheStore({ maxBytes: MAX_VALUE_BYTES + 1 }),
}];
if (valkey !== null) {
  BACKENDS.push({
    name: "valkey",
    open: () => new ValkeyCacheStore(valkey.client,
      { prefix: `${valkey.prefix}${namespaces++}:`, maxValueBytes: MAX_VALUE_BYTES }),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of BACKENDS) {
  describe(`cache store (${backend.name})`, () => {
    test("returns what was set", async () => {
      const store = backend.open();
      await store.set("k", "välue", 10_000);
      expect(await store.get("k")).toBe("välue");
      expect(await store.get("missing")).toBeNull();
    });

    test("overwrite replaces the value", async () => {
      const store = backend.open();
      await store.set("k", "old", 10_000);
      await store.set("k", "new", 10_000);
      expect(await store.get("k")).toBe("new");
    });

    test("delete removes the entry", async () => {
      const store = backend.open();
      await store.set("k", "v", 10_000);
      await store.delete("k");
      expect(await store.get("k")).toBeNull();
    });

    test("entry expires after its ttl", async () => {
      const store = backend.open();
      await store.set("k", "v", 60);
      expect(await store.get("k")).toBe("v");
      await sleep(120);
      expect(await store.get("k")).toBeNull();
    });

    test("oversized value is not stored", async () => {
      const store = backend.open();
      await store.set("k", "small", 10_000);
      await store.set("k", "x".repeat(MAX_VALUE_BYTES + 1), 10_000);
      expect(await store.get("k")).toBeNull();
    });

    test("zero ttl stores nothing", async () => {
      const store = backend.open();
      await store.set("k", "v", 0);
      expect(await store.get("k")).toBeNull();
    });
  });
}

describe.skipIf(valkey === null)("valkey cache store", () => {
  test("keys carry the prefix and a ttl", async () => {
    const prefix = `${valkey!.prefix}layout:`;
    const store = new ValkeyCacheStore(valkey!.client, { prefix });
    await store.set("chat:1", "v", 5_000);
    const ttl = await valkey!.client.pttl(`${prefix}cache:chat:1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  test("prefixes keep stores apart", async () => {
    const first = new ValkeyCacheStore(valkey!.client, { prefix: `${valkey!.prefix}a:` });
    const second = new ValkeyCacheStore(valkey!.client, { prefix: `${valkey!.prefix}b:` });
    await first.set("k", "first", 5_000);
    expect(await second.get("k")).toBeNull();
  });
});
