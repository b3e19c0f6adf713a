import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { SqliteSemanticEntryStore } from "../../../runtime/cache/semantic-entry-sqlite.ts";
import type { SemanticEntry, SemanticEntryStore } from
  "../../../runtime/cache/semantic-entry-store.ts";
import { ValkeySemanticEntryStore } from "../../../runtime/cache/semantic-entry-valkey.ts";
import { migrateEmbedded } from "../../../runtime/storage/embedded/migrate.ts";
import { countKeys, openValkeyForTest, TEST_VALKEY_URL } from "../../support/valkey.ts";

const TTL_MS = 60_000;

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

let namespaces = 0;

/** The backends under one contract; each call returns a store with no entries. */
const BACKENDS: { name: string; available: boolean; open: () => SemanticEntryStore }[] = [
  {
    name: "sqlite",
    available: true,
    open: () => {
      const db = new Database(":memory:");
      migrateEmbedded(db);
      return new SqliteSemanticEntryStore(db);
    },
  },
  {
    name: "valkey",
    available: valkey !== null,
    open: () => new ValkeySemanticEntryStore(valkey!.client, `${valkey!.prefix}${namespaces++}:`),
  },
];

function entry(overrides: Partial<SemanticEntry> = {}): SemanticEntry {
  return {
    id: "key-1",
    scope: "org:acme",
    partition: "org:acme\njson\nshape",
    promptFingerprint: "fingerprint-1",
    vector: Float32Array.from([0.25, -0.5, 0.125, 1e-7]),
    answer: '{"kind":"json"}',
    storedAt: Date.now(),
    expiresAt: Date.now() + TTL_MS,
    ...overrides,
  };
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`${backend.name} semantic entry store`, () => {
    test("round trip keeps every field", async () => {
      const store = backend.open();
      const now = Date.now();
      const stored = entry({ storedAt: now, expiresAt: now + TTL_MS });
      await store.put(stored);
      const read = await store.get("org:acme", "key-1", now + 1);
      expect(read).not.toBeNull();
      expect(read!.id).toBe(stored.id);
      expect(read!.scope).toBe(stored.scope);
      expect(read!.partition).toBe(stored.partition);
      expect(read!.promptFingerprint).toBe(stored.promptFingerprint);
      expect(Array.from(read!.vector)).toEqual(Array.from(stored.vector));
      expect(read!.answer).toBe(stored.answer);
      expect(read!.storedAt).toBe(now);
      expect(read!.expiresAt).toBe(now + TTL_MS);
    });

    test("another scope never reads it", async () => {
      const store = backend.open();
      const now = Date.now();
      await store.put(entry({ storedAt: now, expiresAt: now + TTL_MS }));
      expect(await store.get("org:acme", "key-1", now)).not.toBeNull();
      expect(await store.get("org:globex", "key-1", now)).toBeNull();
      expect(await store.get("key:acme:k1", "key-1", now)).toBeNull();
    });

    test("expired entry is not served", async () => {
      const store = backend.open();
      // Dated from now, so a server-side expiry (Valkey PXAT) has not removed it yet.
      const now = Date.now();
      await store.put(entry({ storedAt: now, expiresAt: now + TTL_MS }));
      expect(await store.get("org:acme", "key-1", now + TTL_MS - 1)).not.toBeNull();
      expect(await store.get("org:acme", "key-1", now + TTL_MS)).toBeNull();
      expect(await store.loadLive(now + TTL_MS, 10)).toEqual([]);
    });

    test("load returns newest live, oldest first", async () => {
      const now = Date.now();
      const store = backend.open();
      for (let i = 0; i < 5; i++) {
        await store.put(entry({ id: `key-${i}`, storedAt: now + i, expiresAt: now + i + TTL_MS }));
      }
      await store.put(entry({ id: "expired", storedAt: now - TTL_MS, expiresAt: now - 1 }));
      const loaded = await store.loadLive(now + 10, 3);
      expect(loaded.map((each) => each.id)).toEqual(["key-2", "key-3", "key-4"]);
    });

    test("delete and delete by prompt", async () => {
      const now = Date.now();
      const store = backend.open();
      const live = { storedAt: now, expiresAt: now + TTL_MS };
      await store.put(entry({ id: "a", promptFingerprint: "p1", ...live }));
      await store.put(entry({ id: "b", promptFingerprint: "p1", ...live }));
      await store.put(entry({ id: "c", promptFingerprint: "p2", ...live }));
      await store.put(entry({ id: "d", scope: "org:globex", promptFingerprint: "p1", ...live }));

      await store.delete("org:acme", "c");
      expect(await store.get("org:acme", "c", now)).toBeNull();
      const removed = await store.deleteByPrompt("org:acme", new Set(["p1"]));
      expect(removed.sort()).toEqual(["a", "b"]);
      expect(await store.get("org:acme", "a", now)).toBeNull();
      // The same prompt in another org stays.
      expect(await store.get("org:globex", "d", now)).not.toBeNull();
      expect((await store.loadLive(now, 10)).map((each) => each.id)).toEqual(["d"]);
    });
  });
}

describe.skipIf(valkey === null)("valkey semantic entry keys", () => {
  test("keys sit under the prefix with a TTL", async () => {
    const prefix = `${valkey!.prefix}ttl:`;
    const store = new ValkeySemanticEntryStore(valkey!.client, prefix);
    const now = Date.now();
    await store.put(entry({ storedAt: now, expiresAt: now + TTL_MS }));

    expect(await countKeys(valkey!.client, prefix)).toBeGreaterThan(0);
    const entryKeys = await valkey!.client.keys(`${prefix}entry:*`);
    expect(entryKeys).toHaveLength(1);
    const ttl = await valkey!.client.pttl(entryKeys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL_MS);
  });

  test("new node loads entries from a URL", async () => {
    const prefix = `${valkey!.prefix}boot:`;
    const now = Date.now();
    await new ValkeySemanticEntryStore(valkey!.client, prefix)
      .put(entry({ storedAt: now, expiresAt: now + TTL_MS }));

    const node = await ValkeySemanticEntryStore.open(TEST_VALKEY_URL, prefix);
    try {
      const loaded = await node.loadLive(Date.now(), 10);
      expect(loaded.map((each) => each.id)).toEqual(["key-1"]);
      expect(Array.from(loaded[0]!.vector)).toEqual(Array.from(entry().vector));
    } finally {
      node.close();
    }
  });
});
