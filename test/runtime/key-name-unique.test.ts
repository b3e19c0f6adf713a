import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { SqliteKeyStore } from "../../runtime/identity/keys/sqlite-key-store.ts";
import {
  KEY_NAME_INDEX_VERSION, migrateEmbedded,
} from "../../runtime/storage/embedded/migrate.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { migratePostgres, readMigrations } from "../../runtime/storage/postgres/migrate.ts";
import { openPostgresForTest, postgresAvailable } from "../support/postgres.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newStore(): SqliteKeyStore {
  const dir = mkdtempSync(join(tmpdir(), "nexus-key-names-"));
  dirs.push(dir);
  return new SqliteKeyStore(openEmbeddedDatabase(dir));
}

describe("key name uniqueness", () => {
  test("same name in one org is rejected", async () => {
    const store = newStore();
    const first = await createVirtualKey(store, "hmac", { org: "acme", name: "batch",
      models: ["*"] });
    const second = createVirtualKey(store, "hmac", { org: "acme", name: "batch",
      models: ["*"] });
    await expect(second).rejects.toThrow(
      `key name "batch" is already used in org "acme" by ${first.key.id}`);
    expect((await store.list()).length).toBe(1);
  });

  test("same name in another org is allowed", async () => {
    const store = newStore();
    await createVirtualKey(store, "hmac", { org: "acme", name: "batch", models: ["*"] });
    const beta = await createVirtualKey(store, "hmac", { org: "beta", name: "batch",
      models: ["*"] });
    expect(beta.key.org).toBe("beta");
  });

  test("revoked key frees its name", async () => {
    const store = newStore();
    const old = await createVirtualKey(store, "hmac", { org: "acme", name: "batch",
      models: ["*"] });
    await store.revoke(old.key.id, Date.now());
    const rotated = await createVirtualKey(store, "hmac", { org: "acme", name: "batch",
      models: ["*"] });
    expect(rotated.key.id).not.toBe(old.key.id);
  });

  test("name shaped like a key id is rejected", async () => {
    const store = newStore();
    const created = createVirtualKey(store, "hmac", { org: "acme", name: "key_abc",
      models: ["*"] });
    await expect(created).rejects.toThrow('invalid key name "key_abc"');
  });
});

/** Inserts a live key row directly, as a database from before the unique index could hold. */
function insertSqliteKey(db: Database, id: string, name: string, revokedAt: number | null): void {
  db.query(`INSERT INTO virtual_keys (id, digest, prefix, name, org, models, created_at,
    revoked_at) VALUES (?, ?, 'nx-', ?, 'acme', '["*"]', 1, ?)`).run(id, `d-${id}`, name,
    revokedAt);
}

describe("key name index upgrade (sqlite)", () => {
  /** Returns a database migrated up to the step before the index, as an earlier release left it. */
  function databaseBeforeIndex(): Database {
    const db = new Database(":memory:");
    migrateEmbedded(db, KEY_NAME_INDEX_VERSION - 1);
    return db;
  }

  test("live duplicates fail naming them", () => {
    const db = databaseBeforeIndex();
    insertSqliteKey(db, "key_a", "batch", null);
    insertSqliteKey(db, "key_b", "batch", null);
    expect(() => migrateEmbedded(db)).toThrow(
      'org "acme" name "batch": keys key_a, key_b');
    const index = db.query("SELECT name FROM sqlite_master WHERE name = 'virtual_keys_live_name'")
      .get();
    expect(index).toBeNull();
  });

  test("revoked duplicates pass", async () => {
    const db = databaseBeforeIndex();
    insertSqliteKey(db, "key_a", "batch", 5);
    insertSqliteKey(db, "key_b", "batch", null);
    migrateEmbedded(db);
    const store = new SqliteKeyStore(db);
    const again = createVirtualKey(store, "hmac", { org: "acme", name: "batch", models: ["*"] });
    await expect(again).rejects.toThrow('key name "batch" is already used in org "acme" by key_b');
  });
});

describe.skipIf(!await postgresAvailable())("key name index upgrade (postgres)", () => {
  test("live duplicates fail, revoked pass", async () => {
    const ctx = await openPostgresForTest({ migrate: false });
    if (ctx === null) throw new Error("PostgreSQL is not reachable");
    try {
      const files = await readMigrations();
      await migratePostgres(ctx.sql, files.filter((file) => file.name < "0007"));
      const insert = (id: string, revokedAt: number | null) => ctx.sql`
        INSERT INTO virtual_keys (id, digest, prefix, name, org, models, created_at, revoked_at)
        VALUES (${id}, ${`d-${id}`}, 'nx-', 'batch', 'acme', '["*"]', 1, ${revokedAt})`;
      await insert("key_old", 5);
      await insert("key_a", null);
      await insert("key_b", null);

      await expect(migratePostgres(ctx.sql)).rejects.toThrow(
        "org 'acme' name 'batch': keys key_a, key_b");
      await ctx.sql`UPDATE virtual_keys SET revoked_at = 9 WHERE id = 'key_a'`;
      const result = await migratePostgres(ctx.sql);
      expect(result.applied).toContain("0007_key_name_unique.sql");
      await expect(insert("key_c", null)).rejects.toThrow("virtual_keys_live_name");
    } finally {
      await ctx.close();
    }
  });
});
