import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { digestKey } from "../../runtime/identity/keys/digest.ts";
import { KeyInputError } from "../../runtime/identity/keys/key-input-error.ts";
import type { KeyStore } from "../../runtime/identity/keys/types.ts";
import { verifyVirtualKey } from "../../runtime/identity/keys/verify.ts";
import { eventually } from "../support/harness.ts";
import { BACKENDS, type StoreBackend } from "../support/store-backends.ts";

const HMAC = "test-hmac-secret";

/**
 * Wraps a store so that `list` resolves only once `parties` calls have read it, so that every
 * concurrent create passes the name check before any of them inserts.
 */
function listBarrier(parties: number): (store: KeyStore) => KeyStore {
  let waiting = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return (store) => ({
    insert: (key, digest) => store.insert(key, digest),
    findByDigest: (digest) => store.findByDigest(digest),
    findById: (id) => store.findById(id),
    revoke: (id, at) => store.revoke(id, at),
    async list() {
      const keys = await store.list();
      waiting += 1;
      if (waiting === parties) open();
      await gate;
      return keys;
    },
  });
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`key store (${backend.name})`, () => {
    let stores: StoreBackend;
    beforeEach(async () => {
      stores = await backend.open();
    });
    afterEach(async () => {
      await stores.close();
    });

    test("created key reads back", async () => {
      const { key, secret } = await createVirtualKey(stores.keys, HMAC, {
        org: "acme", project: "web", name: "ci", models: ["gpt-*", "claude-?"],
        expiresAt: Date.now() + 60_000, settings: { unsupportedParams: "refuse", cache: false },
      });

      const byDigest = await stores.keys.findByDigest(digestKey(secret, HMAC));
      expect(byDigest).toEqual(key);
      expect(await stores.keys.findById(key.id)).toEqual(key);
      expect(await stores.keys.list()).toEqual([key]);
      expect(typeof byDigest?.createdAt).toBe("number");
    });

    test("unknown digest and id", async () => {
      expect(await stores.keys.findByDigest("no-such-digest")).toBeUndefined();
      expect(await stores.keys.findById("key_none")).toBeUndefined();
    });

    test("list is ordered by creation", async () => {
      const later = await createVirtualKey(stores.keys, HMAC,
        { org: "acme", models: ["*"] }, 2_000);
      const earlier = await createVirtualKey(stores.keys, HMAC,
        { org: "acme", models: ["*"] }, 1_000);
      const ids = (await stores.keys.list()).map((key) => key.id);
      expect(ids).toEqual([earlier.key.id, later.key.id]);
    });

    test("duplicate digest is rejected", async () => {
      const { key } = await createVirtualKey(stores.keys, HMAC, { org: "acme", models: ["*"] });
      const copy = { ...key, id: "key_copy" };
      await stores.keys.insert(copy, "digest-1");
      await expect(stores.keys.insert({ ...copy, id: "key_copy2" }, "digest-1")).rejects
        .toThrow();
    });

    test("revoke keeps the first time", async () => {
      const { key } = await createVirtualKey(stores.keys, HMAC, { org: "acme", models: ["*"] });
      expect(await stores.keys.revoke(key.id, 5_000)).toBe(true);
      expect(await stores.keys.revoke(key.id, 9_000)).toBe(true);
      expect((await stores.keys.findById(key.id))?.revokedAt).toBe(5_000);
      expect(await stores.keys.revoke("key_none", 5_000)).toBe(false);
    });

    test("revoke elsewhere stops the key", async () => {
      const { key, secret } = await createVirtualKey(stores.keys, HMAC,
        { org: "acme", models: ["*"] });
      expect((await verifyVirtualKey(stores.keys, HMAC, secret)).id).toBe(key.id);

      const other = await stores.connect();
      expect(await other.keys.revoke(key.id, Date.now())).toBe(true);

      const code = await eventually(async () => {
        try {
          await verifyVirtualKey(stores.keys, HMAC, secret);
          return undefined;
        } catch (error) {
          return (error as { code?: string }).code;
        }
      }, 2_000);
      expect(code).toBe("api_key_revoked");
    });
  
    test("concurrent creates of one name", async () => {
      const other = await stores.connect();
      const barrier = listBarrier(2);
      const results = await Promise.allSettled([stores.keys, other.keys].map((store) =>
        createVirtualKey(barrier(store), HMAC, { org: "acme", name: "batch", models: ["*"] })));

      const created = results.filter((result) => result.status === "fulfilled");
      const rejected = results.filter((result) => result.status === "rejected");
      expect(created).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      const winner = (created[0] as PromiseFulfilledResult<{ key: { id: string } }>).value.key;
      const error = (rejected[0] as PromiseRejectedResult).reason as Error;
      expect(error).toBeInstanceOf(KeyInputError);
      expect(error.message).toBe(`key name "batch" is already used in org "acme" by ` +
        `${winner.id}; choose another name or revoke that key first`);
      expect((await stores.keys.list()).map((key) => key.id)).toEqual([winner.id]);
    });

    test("unique index allows revoked duplicates", async () => {
      const old = await createVirtualKey(stores.keys, HMAC,
        { org: "acme", name: "batch", models: ["*"] });
      await stores.keys.revoke(old.key.id, Date.now());
      const rotated = await createVirtualKey(stores.keys, HMAC,
        { org: "acme", name: "batch", models: ["*"] });
      const unnamed = await Promise.all([1, 2].map(() =>
        createVirtualKey(stores.keys, HMAC, { org: "acme", models: ["*"] })));
      expect(rotated.key.name).toBe("batch");
      expect(unnamed.map((created) => created.key.name)).toEqual([null, null]);
      expect(await stores.keys.list()).toHaveLength(4);
    });
  });
}
