import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { SqliteKeyStore } from "../../runtime/identity/keys/sqlite-key-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";

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
