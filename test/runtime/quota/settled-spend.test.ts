import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { QuotaRule } from "../../../runtime/quota/config-schema.ts";
import type { QuotaCharge, QuotaStore } from "../../../runtime/quota/quota-store.ts";
import { quotaBackends } from "../../support/quota-backends.ts";
import { openValkeyForTest } from "../../support/valkey.ts";

// Soft alerts and the in-flight flag of a hard rejection read settled spend, not estimates.

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

const BACKENDS = quotaBackends(valkey, "settled");

function charge(overrides: Partial<QuotaRule> = {}): QuotaCharge {
  return { rule: { axis: "org", match: "qs", window: "minute", limit: { tokens: 300 },
    mode: "soft", ...overrides }, value: "qs" };
}

for (const backend of BACKENDS) {
  describe(`${backend.name} settled spend`, () => {
    let store: QuotaStore;

    beforeEach(() => {
      store = backend.open();
    });
    afterEach(() => {
      backend.close();
    });

    async function reserveMany(charges: QuotaCharge[], count: number,
      tokens: number): Promise<string[]> {
      const results = await Promise.all(Array.from({ length: count }, () =>
        store.reserve(charges, { tokens, usd: 0 }, T0)));
      return results.map((result) => {
        if (!result.ok) throw new Error(`expected a reservation, got ${JSON.stringify(result)}`);
        return result.reservationId;
      });
    }

    test("estimates in flight raise no soft alert", async () => {
      const ids = await reserveMany([charge()], 6, 77);

      // In flight plus settled is 18 + 5 × 77 = 403 over 300, but settled spend is 18 to 108.
      const raised = [];
      for (const id of ids) raised.push(...await store.settle(id, { tokens: 18, usd: 0 }, T0));
      expect(raised).toEqual([]);
      expect(await store.alerts(10)).toEqual([]);
    });

    test("soft alert reports settled spend", async () => {
      const ids = await reserveMany([charge()], 4, 200);

      const first = await store.settle(ids[0]!, { tokens: 150, usd: 0 }, T0);
      expect(first).toEqual([]);
      const second = await store.settle(ids[1]!, { tokens: 160, usd: 0 }, T0);
      expect(second).toHaveLength(1);
      expect(second[0]!.used).toBe(310);
      expect((await store.alerts(10))[0]!.used).toBe(310);
    });

    test("rejection held by in-flight estimates", async () => {
      const hard = charge({ mode: "hard", window: "hour", limit: { tokens: 1000 } });
      const ids = await reserveMany([hard], 9, 100);

      const held = await store.reserve([hard], { tokens: 200, usd: 0 }, T0);
      expect(held.ok).toBe(false);
      if (held.ok) return;
      expect(held.exceeded.used).toBe(900);
      expect(held.exceeded.heldInFlight).toBe(true);

      for (const id of ids) await store.settle(id, { tokens: 100, usd: 0 }, T0);
      const spent = await store.reserve([hard], { tokens: 200, usd: 0 }, T0);
      expect(spent.ok).toBe(false);
      if (spent.ok) return;
      expect(spent.exceeded.used).toBe(900);
      expect(spent.exceeded.heldInFlight).toBe(false);
    });

    test("usd rejection held by in-flight estimates", async () => {
      const hard = charge({ mode: "hard", window: "hour", limit: { usd: 1 } });
      const reserved = await store.reserve([hard], { tokens: 0, usd: 0.75 }, T0);
      expect(reserved.ok).toBe(true);

      const held = await store.reserve([hard], { tokens: 0, usd: 0.5 }, T0);
      expect(held.ok).toBe(false);
      if (held.ok) return;
      expect(held.exceeded.unit).toBe("usd");
      expect(held.exceeded.heldInFlight).toBe(true);
    });
  });
}
