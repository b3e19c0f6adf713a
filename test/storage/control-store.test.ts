import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { BACKENDS, type StoreBackend } from "../support/store-backends.ts";

const ORG_ACME = { tier: "org", target: "acme" } as const;

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`control store (${backend.name})`, () => {
    let stores: StoreBackend;
    beforeEach(async () => {
      stores = await backend.open();
    });
    afterEach(async () => {
      await stores.close();
    });

    test("engage then lift audits both", async () => {
      const store = stores.controls;
      await store.engage({ control: "kill", scope: ORG_ACME, reason: "leak", actor: "alice",
        now: 1000 });
      expect(store.engaged(1500).map((c) => [c.control, c.tier, c.target])).toEqual([
        ["kill", "org", "acme"],
      ]);

      expect(await store.lift({ control: "kill", scope: ORG_ACME, actor: "bob", reason: "fixed",
        now: 2000 })).toBe(true);
      expect(store.engaged(2500)).toEqual([]);

      const audit = await store.audit(10);
      expect(audit.map((e) => [e.action, e.actor, e.reason, e.time])).toEqual([
        ["lift", "bob", "fixed", 2000],
        ["engage", "alice", "leak", 1000],
      ]);
      expect(audit[1]!.tier).toBe("org");
      expect(audit[1]!.target).toBe("acme");
      expect(audit[0]!.id).toBeGreaterThan(audit[1]!.id);
    });

    test("lifting what is not engaged is not audited", async () => {
      const store = stores.controls;
      expect(await store.lift({ control: "kill", scope: ORG_ACME, actor: "bob" })).toBe(false);
      expect(await store.audit(10)).toEqual([]);
    });

    test("re-engaging replaces the reason", async () => {
      const store = stores.controls;
      await store.engage({ control: "kill", scope: ORG_ACME, reason: "first", actor: "alice" });
      await store.engage({ control: "kill", scope: ORG_ACME, reason: "second", actor: "carol" });
      const engaged = store.engaged();
      expect(engaged).toHaveLength(1);
      expect(engaged[0]!.reason).toBe("second");
      expect(engaged[0]!.actor).toBe("carol");
      expect(await store.audit(10)).toHaveLength(2);
    });

    test("audit log rejects update and delete", async () => {
      await stores.controls.engage({ control: "kill", scope: ORG_ACME, reason: "leak",
        actor: "alice" });
      await expect(stores.exec("UPDATE control_audit SET actor = 'mallory'")).rejects
        .toThrow(/append-only/);
      await expect(stores.exec("DELETE FROM control_audit")).rejects.toThrow(/append-only/);
      if (backend.name === "postgres") {
        await expect(stores.exec("TRUNCATE control_audit")).rejects.toThrow(/append-only/);
      }
      expect((await stores.controls.audit(10))[0]!.actor).toBe("alice");
    });

    test("expired controls are not in force", async () => {
      const store = stores.controls;
      await store.engage({ control: "bypassHooks", scope: { tier: "global", target: "" },
        reason: "hook outage", actor: "alice", expiresAt: 5000, now: 1000 });
      expect(store.engaged(4999)).toHaveLength(1);
      expect(store.engaged(5000)).toHaveLength(0);
      expect(await store.list()).toHaveLength(1);
    });

    test("another connection's write is noticed", async () => {
      const store = stores.controls;
      expect(store.engaged()).toEqual([]);
      const other = await stores.connect();
      await other.controls.engage({ control: "kill", scope: { tier: "key", target: "key_1" },
        reason: "stolen", actor: "cli" });

      expect(await store.refresh()).toBe(true);
      expect(store.engaged().map((c) => c.target)).toEqual(["key_1"]);
      expect(await store.refresh()).toBe(false);
    });
  });
}
