import { afterAll, afterEach, describe, expect, spyOn, test } from "bun:test";
import type { QuotaRule } from "../../../runtime/quota/config-schema.ts";
import type { QuotaCharge } from "../../../runtime/quota/quota-store.ts";
import { GLOBAL_TAG, QuotaKeys, scopeTag } from "../../../runtime/quota/valkey-quota-keys.ts";
import { RELEASE } from "../../../runtime/quota/valkey-quota-scripts.ts";
import { ValkeyQuotaStore } from "../../../runtime/quota/valkey-quota-store.ts";
import { startThrowawayValkey } from "../../support/throwaway-valkey.ts";

// A reserve that times out on a stalled server still runs when the server resumes, so the
// store must release it by id, and a release that arrives first must stop it.

const HOUR = 60 * 60_000;
const LEASE_MS = 15 * 60_000;
const ORG_HOUR = { axis: "org", value: "qb", window: "hour" } as const;
const MODEL_HOUR = { axis: "model", value: "gpt-test", window: "hour" } as const;

const valkey = await startThrowawayValkey();
afterAll(async () => {
  await valkey?.close();
});

let namespaces = 0;
let restoreUuid: (() => void) | null = null;
afterEach(() => {
  restoreUuid?.();
  restoreUuid = null;
});

function charges(): QuotaCharge[] {
  const org: QuotaRule = { axis: "org", match: "qb", window: "hour", limit: { tokens: 5000 },
    mode: "hard" };
  const model: QuotaRule = { axis: "model", match: "gpt-test", window: "hour",
    limit: { tokens: 1_000_000 }, mode: "hard" };
  return [{ rule: org, value: "qb" }, { rule: model, value: "gpt-test" }];
}

/** Polls `ready` every 20 ms, for at most 5 s, so a broken store fails rather than hangs. */
async function waitUntil(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !ready(); i += 1) await Bun.sleep(20);
}

describe.skipIf(valkey === null)("valkey quota store on a stalled server", () => {
  test("stalled reserves leave no spend", async () => {
    const prefix = `nexus-stall:${namespaces++}:`;
    const store = new ValkeyQuotaStore(valkey!.client, { prefix,
      releaseRetry: { initialDelayMs: 50, maxDelayMs: 200 } });
    const now = Date.now();

    valkey!.signal("SIGSTOP");
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 45 }, () =>
        store.reserve(charges(), { tokens: 100, usd: 0 }, now, "qb")));
      expect(outcomes.every((outcome) => outcome.status === "rejected")).toBe(true);

      // The first release of each failed reserve times out too, so each waits for a retry.
      await waitUntil(() => store.pendingReleases === 45);
      expect(store.pendingReleases).toBe(45);
    } finally {
      valkey!.signal("SIGCONT");
    }
    await store.close();
    expect(store.pendingReleases).toBe(0);

    const reader = new ValkeyQuotaStore(valkey!.client, { prefix });
    expect((await reader.usage(ORG_HOUR, now)).tokens).toBe(0);
    expect((await reader.usage(MODEL_HOUR, now)).tokens).toBe(0);
    const full = await reader.reserve(charges(), { tokens: 5000, usd: 0 }, now, "qb");
    expect(full.ok).toBe(true);
  });

  test("release before its reserve blocks it", async () => {
    const prefix = `nexus-stall:${namespaces++}:`;
    const store = new ValkeyQuotaStore(valkey!.client, { prefix });
    const keys = new QuotaKeys(prefix);
    const now = Date.now();
    const id = crypto.randomUUID();
    for (const tag of [GLOBAL_TAG, scopeTag("qb")]) {
      await RELEASE.run(valkey!.client, [keys.leases(tag), keys.reservations(tag)],
        [id, now + LEASE_MS, LEASE_MS]);
    }

    // The store draws the released id, as a reserve that reached the server late would.
    const uuid = spyOn(crypto, "randomUUID").mockReturnValue(
      id as ReturnType<typeof crypto.randomUUID>);
    restoreUuid = () => uuid.mockRestore();
    const late = store.reserve(charges(), { tokens: 100, usd: 0 }, now, "qb");
    await expect(late).rejects.toThrow("released before its reserve ran");
    uuid.mockRestore();

    expect((await store.usage(ORG_HOUR, now)).tokens).toBe(0);
    expect((await store.usage(MODEL_HOUR, now)).tokens).toBe(0);
  });

  test("release of unknown id is a no-op", async () => {
    const prefix = `nexus-stall:${namespaces++}:`;
    const store = new ValkeyQuotaStore(valkey!.client, { prefix });
    const keys = new QuotaKeys(prefix);
    const now = Date.now();
    const held = await store.reserve(charges(), { tokens: 300, usd: 0 }, now, "qb");
    expect(held.ok).toBe(true);

    const tag = scopeTag("qb");
    for (let i = 0; i < 2; i += 1) {
      await RELEASE.run(valkey!.client, [keys.leases(tag), keys.reservations(tag)],
        ["never-reserved", now + LEASE_MS, LEASE_MS]);
    }
    expect((await store.usage(ORG_HOUR, now)).tokens).toBe(300);

    // Its `released` record ends with its lease, when the next reserve reaps it.
    await store.reserve(charges(), { tokens: 1, usd: 0 }, now + LEASE_MS + HOUR, "qb");
    const records = await valkey!.client.hkeys(keys.reservations(tag));
    expect(records).not.toContain("never-reserved");
  });
});
