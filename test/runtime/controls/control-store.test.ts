import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { controlsFor, passthroughDetail } from "../../../runtime/controls/request-controls.ts";
import { SqliteControlStore } from "../../../runtime/controls/sqlite-control-store.ts";
import type { EngagedControl } from "../../../runtime/controls/types.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";

let dir: string;
let db: Database;
let store: SqliteControlStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "nexus-controls-"));
  db = openEmbeddedDatabase(dir);
  store = new SqliteControlStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const ORG_ACME = { tier: "org", target: "acme" } as const;

describe("control store", () => {
  test("engage then lift audits both", () => {
    store.engage({ control: "kill", scope: ORG_ACME, reason: "leak", actor: "alice", now: 1000 });
    expect(store.engaged(1500).map((c) => [c.control, c.tier, c.target])).toEqual([
      ["kill", "org", "acme"],
    ]);

    expect(store.lift({ control: "kill", scope: ORG_ACME, actor: "bob", reason: "fixed",
      now: 2000 })).toBe(true);
    expect(store.engaged(2500)).toEqual([]);

    const audit = store.audit(10);
    expect(audit.map((e) => [e.action, e.actor, e.reason, e.time])).toEqual([
      ["lift", "bob", "fixed", 2000],
      ["engage", "alice", "leak", 1000],
    ]);
    expect(audit[1]!.tier).toBe("org");
    expect(audit[1]!.target).toBe("acme");
  });

  test("lifting what is not engaged is not audited", () => {
    expect(store.lift({ control: "kill", scope: ORG_ACME, actor: "bob" })).toBe(false);
    expect(store.audit(10)).toEqual([]);
  });

  test("re-engaging replaces the reason", () => {
    store.engage({ control: "kill", scope: ORG_ACME, reason: "first", actor: "alice" });
    store.engage({ control: "kill", scope: ORG_ACME, reason: "second", actor: "carol" });
    const engaged = store.engaged();
    expect(engaged).toHaveLength(1);
    expect(engaged[0]!.reason).toBe("second");
    expect(engaged[0]!.actor).toBe("carol");
    expect(store.audit(10)).toHaveLength(2);
  });

  test("audit log rejects update and delete", () => {
    store.engage({ control: "kill", scope: ORG_ACME, reason: "leak", actor: "alice" });
    expect(() => db.exec("UPDATE control_audit SET actor = 'mallory'")).toThrow(/append-only/);
    expect(() => db.exec("DELETE FROM control_audit")).toThrow(/append-only/);
    expect(store.audit(10)[0]!.actor).toBe("alice");
  });

  test("expired controls are not in force", () => {
    store.engage({ control: "bypassHooks", scope: { tier: "global", target: "" },
      reason: "hook outage", actor: "alice", expiresAt: 5000, now: 1000 });
    expect(store.engaged(4999)).toHaveLength(1);
    expect(store.engaged(5000)).toHaveLength(0);
    expect(store.list()).toHaveLength(1);
  });

  test("another connection's write is noticed", () => {
    expect(store.engaged()).toEqual([]);
    const cli = openEmbeddedDatabase(dir);
    try {
      new SqliteControlStore(cli).engage({ control: "kill", scope: { tier: "key",
        target: "key_1" }, reason: "stolen", actor: "cli" });
    } finally {
      cli.close();
    }
    expect(store.checkForChanges()).toBe(true);
    expect(store.engaged().map((c) => c.target)).toEqual(["key_1"]);
    expect(store.checkForChanges()).toBe(false);
  });
});

function control(partial: Partial<EngagedControl>): EngagedControl {
  return {
    control: "kill", tier: "global", target: "", reason: "r", actor: "a", engagedAt: 0,
    expiresAt: null, ...partial,
  };
}

describe("controls for a request", () => {
  const owner = { org: "acme", keyId: "key_a" };
  const cases: [string, EngagedControl, boolean][] = [
    ["global", control({}), true],
    ["own org", control({ tier: "org", target: "acme" }), true],
    ["other org", control({ tier: "org", target: "globex" }), false],
    ["own key", control({ tier: "key", target: "key_a" }), true],
    ["other key", control({ tier: "key", target: "key_b" }), false],
    ["org named like the key", control({ tier: "org", target: "key_a" }), false],
  ];
  for (const [name, engaged, blocks] of cases) {
    test(`kill of ${name}`, () => {
      expect(controlsFor([engaged], owner).kill !== null).toBe(blocks);
    });
  }

  test("broadest kill is reported", () => {
    const key = control({ tier: "key", target: "key_a", reason: "key" });
    const global = control({ reason: "global" });
    expect(controlsFor([key, global], owner).kill?.reason).toBe("global");
  });

  test("passthrough flags and their detail", () => {
    const hooks = control({ control: "bypassHooks", tier: "org", target: "acme" });
    const cache = control({ control: "bypassCache", tier: "key", target: "key_b" });
    const found = controlsFor([hooks, cache], owner);
    expect(found.kill).toBeNull();
    expect(found.passthrough.bypassHooks).toBe(hooks);
    expect(found.passthrough.bypassCache).toBeUndefined();
    expect(passthroughDetail(found)).toEqual([
      { flag: "bypassHooks", tier: "org", target: "acme", reason: "r", expiresAt: null },
    ]);
    expect(passthroughDetail(controlsFor([], owner))).toBeNull();
  });
});
