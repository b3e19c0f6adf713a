import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { digestKey } from "../../runtime/identity/keys/digest.ts";
import { SqliteKeyStore } from "../../runtime/identity/keys/sqlite-key-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nexus-keys-"));
  dirs.push(dir);
  return dir;
}

describe("per-key settings", () => {
  test("are stored and read back with the key", async () => {
    const db = openEmbeddedDatabase(tempDir());
    const store = new SqliteKeyStore(db);
    const { key, secret } = await createVirtualKey(store, "hmac", {
      org: "acme",
      models: ["*"],
      settings: { unsupportedParams: "refuse" },
    });

    expect((await store.findById(key.id))?.settings).toEqual({ unsupportedParams: "refuse" });
    const found = await store.findByDigest(digestKey(secret, "hmac"));
    expect(found?.settings.unsupportedParams).toBe("refuse");
    db.close();
  });

  test("keys made before settings existed read as empty settings", async () => {
    const dir = tempDir();
    const old = new Database(join(dir, "nexus.db"), { create: true, strict: true });
    old.exec(`CREATE TABLE virtual_keys (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,
      prefix TEXT NOT NULL, name TEXT, org TEXT NOT NULL, project TEXT, models TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER);
      CREATE TABLE traffic_events (request_id TEXT PRIMARY KEY, time INTEGER NOT NULL,
      key_id TEXT, org TEXT, project TEXT, route TEXT NOT NULL, provider TEXT, model TEXT,
      upstream_model TEXT, stream INTEGER NOT NULL, status INTEGER NOT NULL, error_code TEXT,
      latency_ms REAL NOT NULL, ttft_ms REAL, input_tokens INTEGER, output_tokens INTEGER,
      cached_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER,
      cost_usd REAL, detail TEXT, client_request_id TEXT);
      INSERT INTO virtual_keys VALUES ('key_old', 'd', 'nx-abc', NULL, 'acme', NULL, '["*"]',
        1, NULL, NULL);
      PRAGMA user_version = 2;`);
    old.close();

    const db = openEmbeddedDatabase(dir);
    expect((await new SqliteKeyStore(db).findById("key_old"))?.settings).toEqual({});
    db.close();
  });
});
