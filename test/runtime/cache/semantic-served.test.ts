import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { SqlitePoisonPersistence } from "../../../runtime/cache/semantic-poison-sqlite.ts";
import { PoisonGuard } from "../../../runtime/cache/semantic-poison.ts";
import { migrateEmbedded } from "../../../runtime/storage/embedded/migrate.ts";

const SERVED = {
  scope: "org:acme",
  storeKey: "chat:abc",
  promptFingerprint: "prompt-1",
  storedPromptFingerprint: "prompt-0",
};

function openStore(): Database {
  const db = new Database(":memory:");
  migrateEmbedded(db);
  return db;
}

describe("served answers in sqlite", () => {
  test("second guard finds request id", async () => {
    const db = openStore();
    new PoisonGuard(new SqlitePoisonPersistence(db), 60_000).remember("req_1", SERVED);

    const other = new PoisonGuard(new SqlitePoisonPersistence(db), 60_000);
    expect(await other.served("req_1")).toEqual(SERVED);
    expect(await other.served("req_2")).toBeUndefined();
  });

  test("link expires with the TTL", async () => {
    const persistence = new SqlitePoisonPersistence(openStore());
    const now = Date.now();
    await persistence.saveServed("req_1", SERVED, now + 1000);
    expect(await persistence.findServed("req_1", now + 999)).toEqual(SERVED);
    expect(await persistence.findServed("req_1", now + 1000)).toBeUndefined();
  });

  test("sweep deletes expired rows", async () => {
    const db = openStore();
    const persistence = new SqlitePoisonPersistence(db);
    const now = Date.now();
    await persistence.saveServed("old", SERVED, now - 1);
    await persistence.saveServed("live", SERVED, now + 1000);
    persistence.sweepServed(now);
    const rows = db.query("SELECT request_id FROM cache_served_requests").all();
    expect(rows).toEqual([{ request_id: "live" }]);
  });
});
