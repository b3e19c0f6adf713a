import { describe, expect, test } from "bun:test";
import { controlsFor, passthroughDetail } from "../../../runtime/controls/request-controls.ts";
import type { EngagedControl } from "../../../runtime/controls/types.ts";

// The control store itself is tested against every backend in test/storage.

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

  test("broadest kill is reported", async () => {
    const key = control({ tier: "key", target: "key_a", reason: "key" });
    const global = control({ reason: "global" });
    expect(controlsFor([key, global], owner).kill?.reason).toBe("global");
  });

  test("passthrough flags and their detail", async () => {
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
