import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { digestKey } from "../../runtime/identity/keys/digest.ts";
import { verifyVirtualKey } from "../../runtime/identity/keys/verify.ts";
import { eventually } from "../support/harness.ts";
import { BACKENDS, type StoreBackend } from "../support/store-backends.ts";

const HMAC = "test-hmac-secret";

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
  });
}
