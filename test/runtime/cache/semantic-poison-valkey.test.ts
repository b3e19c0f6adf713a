import { afterAll, describe, expect, test } from "bun:test";
import { ValkeyPoisonPersistence } from "../../../runtime/cache/semantic-poison-valkey.ts";
import { PoisonGuard } from "../../../runtime/cache/semantic-poison.ts";
import { openValkeyForTest } from "../../support/valkey.ts";

const valkey = await openValkeyForTest();

const SERVED = {
  scope: "org:acme",
  storeKey: "nexus:chat:v1:org:acme:json:abc",
  promptFingerprint: "prompt-1",
  storedPromptFingerprint: "prompt-0",
};

afterAll(async () => {
  await valkey?.close();
});

describe.skipIf(valkey === null)("poison persistence in valkey", () => {
  test("report reaches another guard", async () => {
    const first = new PoisonGuard(new ValkeyPoisonPersistence(valkey!.client, valkey!.prefix));
    const other = new PoisonGuard(
      new ValkeyPoisonPersistence(await valkey!.connect(), valkey!.prefix));
    await other.ready;

    await first.poison("org:acme", "f1");
    expect(await other.isPoisoned("org:acme", "f1")).toBe(true);
    expect(await other.isPoisoned("org:globex", "f1")).toBe(false);
    expect(await other.isPoisoned("org:acme", "f2")).toBe(false);
  });

  test("prompts load at boot", async () => {
    const persistence = new ValkeyPoisonPersistence(valkey!.client, `${valkey!.prefix}boot:`);
    await persistence.save("org:acme", "f1");
    await persistence.save("key:acme:k1", "f2");
    const loaded = [...await persistence.load()].sort((x, y) =>
      x.scope.localeCompare(y.scope));
    expect(loaded).toEqual([
      { scope: "key:acme:k1", promptFingerprint: "f2" },
      { scope: "org:acme", promptFingerprint: "f1" },
    ]);
  });

  test("stored keys found by prompt", async () => {
    const persistence = new ValkeyPoisonPersistence(valkey!.client, valkey!.prefix);
    const other = new ValkeyPoisonPersistence(await valkey!.connect(), valkey!.prefix);
    const expiresAt = Date.now() + 60_000;
    await persistence.saveStored("k1", "org:acme", "f1", expiresAt);
    await persistence.saveStored("k2", "org:acme", "f1", expiresAt);
    await persistence.saveStored("k3", "org:globex", "f1", expiresAt);

    const found = await other.findStored("org:acme", new Set(["f1", "f2"]));
    expect(found.sort()).toEqual(["k1", "k2"]);
    expect(await other.findStored("org:acme", new Set(["f2"]))).toEqual([]);
  });

  test("served link expires with TTL", async () => {
    const persistence = new ValkeyPoisonPersistence(valkey!.client, valkey!.prefix);
    await persistence.saveServed("req_1", SERVED, Date.now() + 200);
    expect(await persistence.findServed("req_1", Date.now())).toEqual(SERVED);
    expect(await persistence.findServed("req_2", Date.now())).toBeUndefined();

    await Bun.sleep(300);
    expect(await persistence.findServed("req_1", Date.now())).toBeUndefined();
  });
});
