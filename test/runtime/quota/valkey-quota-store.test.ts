import { afterAll, describe, expect, test } from "bun:test";
import type { QuotaRule } from "../../../runtime/quota/config-schema.ts";
import type { QuotaCharge } from "../../../runtime/quota/quota-store.ts";
import { ValkeyQuotaStore } from "../../../runtime/quota/valkey-quota-store.ts";
import { openValkeyForTest } from "../../support/valkey.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const ORG_HOUR = { axis: "org", value: "acme", window: "hour" } as const;

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

let namespaces = 0;

function freshPrefix(): string {
  return `${valkey!.prefix}${namespaces++}:`;
}

function charge(overrides: Partial<QuotaRule> = {}): QuotaCharge {
  return { rule: { axis: "org", match: "acme", window: "hour", limit: { tokens: 1000 },
    mode: "hard", ...overrides }, value: "acme" };
}

describe.skipIf(valkey === null)("valkey quota store across nodes", () => {
  test("200 concurrent reserves on 3 nodes", async () => {
    const prefix = freshPrefix();
    const clients = [valkey!.client, await valkey!.connect(), await valkey!.connect()];
    const nodes = clients.map((client) => new ValkeyQuotaStore(client, { prefix }));

    const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      nodes[i % 3]!.reserve([charge()], { tokens: 10, usd: 0 }, T0)));
    const reserved = results.flatMap((result, i) =>
      result.ok ? [{ node: nodes[i % 3]!, id: result.reservationId }] : []);
    expect(reserved).toHaveLength(100);
    expect((await nodes[0]!.usage(ORG_HOUR, T0)).tokens).toBe(1000);

    // Each request spends 2 tokens over its estimate: the overshoot is in-flight × 2.
    await Promise.all(reserved.map(({ node, id }) =>
      node.settle(id, { tokens: 12, usd: 0 }, T0 + 1000)));
    expect((await nodes[1]!.usage(ORG_HOUR, T0 + 1000)).tokens).toBe(1200);
    const after = await nodes[2]!.reserve([charge()], { tokens: 1, usd: 0 }, T0 + 1000);
    expect(after.ok).toBe(false);
  });

  test("lease frees a crashed node's estimate", async () => {
    const prefix = freshPrefix();
    const crashed = new ValkeyQuotaStore(valkey!.client, { prefix, reservationLeaseMs: MINUTE });
    const survivor = new ValkeyQuotaStore(valkey!.client, { prefix, reservationLeaseMs: MINUTE });
    expect((await crashed.reserve([charge()], { tokens: 900, usd: 0 }, T0)).ok).toBe(true);

    const early = await survivor.reserve([charge()], { tokens: 200, usd: 0 }, T0 + 59_000);
    expect(early.ok).toBe(false);
    const late = await survivor.reserve([charge()], { tokens: 200, usd: 0 }, T0 + MINUTE);
    expect(late.ok).toBe(true);
    expect((await survivor.usage(ORG_HOUR, T0 + MINUTE)).tokens).toBe(200);
  });

  test("settle after the lease charges once", async () => {
    const prefix = freshPrefix();
    const store = new ValkeyQuotaStore(valkey!.client, { prefix, reservationLeaseMs: MINUTE });
    const slow = await store.reserve([charge()], { tokens: 500, usd: 0 }, T0);
    expect(slow.ok).toBe(true);
    if (!slow.ok) return;

    // The lease ends, another reserve takes the estimate back, then the slow request ends.
    expect((await store.reserve([charge()], { tokens: 1, usd: 0 }, T0 + 2 * MINUTE)).ok)
      .toBe(true);
    await store.settle(slow.reservationId, { tokens: 300, usd: 0 }, T0 + 2 * MINUTE);
    expect((await store.usage(ORG_HOUR, T0 + 2 * MINUTE)).tokens).toBe(301);
  });

  test("two nodes record one alert", async () => {
    const prefix = freshPrefix();
    const nodes = [valkey!.client, await valkey!.connect()]
      .map((client) => new ValkeyQuotaStore(client, { prefix }));
    const soft = charge({ mode: "soft", limit: { tokens: 100 } });
    const ids = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const result = await nodes[i % 2]!.reserve([soft], { tokens: 10, usd: 0 }, T0);
      if (!result.ok) throw new Error("soft rules never reject");
      return result.reservationId;
    }));

    // Usage includes the 19 estimates still reserved, so the first settle reads 200.
    const raised = await Promise.all(ids.map((id, i) =>
      nodes[i % 2]!.settle(id, { tokens: 10, usd: 0 }, T0 + 1000)));
    expect(raised.flat()).toHaveLength(1);
    expect(await nodes[0]!.alerts(10)).toHaveLength(1);
    expect((await nodes[1]!.alerts(10))[0]).toMatchObject({ value: "acme", unit: "tokens",
      limit: 100, used: 200 });
  });

  test("alerts list newest first", async () => {
    const store = new ValkeyQuotaStore(valkey!.client, { prefix: freshPrefix() });
    for (const [value, offset] of [["a", 0], ["b", 2 * MINUTE], ["c", MINUTE]] as const) {
      const soft = { ...charge({ mode: "soft", limit: { usd: 0.5 } }), value };
      const id = await store.reserve([soft], { tokens: 0, usd: 0 }, T0 + offset);
      if (!id.ok) throw new Error("soft rules never reject");
      await store.settle(id.reservationId, { tokens: 0, usd: 0.75 }, T0 + offset);
    }
    const alerts = await store.alerts(2);
    expect(alerts.map((alert) => alert.value)).toEqual(["b", "c"]);
    expect(alerts[0]!.used).toBe(0.75);
  });

  test("counter keys expire after their window", async () => {
    const prefix = freshPrefix();
    const store = new ValkeyQuotaStore(valkey!.client, { prefix });
    await store.reserve([charge({ window: "minute" })], { tokens: 5, usd: 0 }, Date.now());
    const ttl = await valkey!.client.pttl(`${prefix}{quota}:counter:minute:org:acme`);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(62_000);
  });

  test("release frees a reservation", async () => {
    const prefix = freshPrefix();
    const store = new ValkeyQuotaStore(valkey!.client, { prefix });
    const result = await store.reserve([charge()], { tokens: 400, usd: 0.1 }, T0);
    if (!result.ok) throw new Error("expected a reservation");
    await store.release(result.reservationId);
    expect(await store.usage(ORG_HOUR, T0)).toEqual({ tokens: 0, usd: 0 });
    expect(await valkey!.client.hlen(`${prefix}{quota}:reservations`)).toBe(0);
    expect(await valkey!.client.zcard(`${prefix}{quota}:leases`)).toBe(0);
  });
});
