import { afterAll, describe, expect, test } from "bun:test";
import type { QuotaRule } from "../../../runtime/quota/config-schema.ts";
import type { QuotaCharge } from "../../../runtime/quota/quota-store.ts";
import { ValkeyQuotaStore } from "../../../runtime/quota/valkey-quota-store.ts";
import { clusterSlot, openValkeyForTest, recordScriptKeys } from "../../support/valkey.ts";

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

    // Alerts read settled spend only, so the alert comes at the 11th settle, at 110.
    const raised = await Promise.all(ids.map((id, i) =>
      nodes[i % 2]!.settle(id, { tokens: 10, usd: 0 }, T0 + 1000)));
    expect(raised.flat()).toHaveLength(1);
    expect(await nodes[0]!.alerts(10)).toHaveLength(1);
    expect((await nodes[1]!.alerts(10))[0]).toMatchObject({ value: "acme", unit: "tokens",
      limit: 100, used: 110 });
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
    const ttl = await valkey!.client.pttl(`${prefix}{quota:acme}:counter:minute:org:acme`);
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
    expect(await valkey!.client.hlen(`${prefix}{quota:acme}:reservations`)).toBe(0);
    expect(await valkey!.client.zcard(`${prefix}{quota:acme}:leases`)).toBe(0);
  });

  test("lease keys expire after leases end", async () => {
    const prefix = freshPrefix();
    const store = new ValkeyQuotaStore(valkey!.client, { prefix, reservationLeaseMs: MINUTE });
    await store.reserve([charge({ window: "minute" })], { tokens: 5, usd: 0 }, Date.now());
    for (const name of ["leases", "reservations"]) {
      const ttl = await valkey!.client.pttl(`${prefix}{quota:acme}:${name}`);
      expect(ttl).toBeGreaterThan(MINUTE);
      expect(ttl).toBeLessThanOrEqual(MINUTE + 62_000);
    }
  });

  test("close waits for started settles", async () => {
    const store = new ValkeyQuotaStore(valkey!.client, { prefix: freshPrefix() });
    const result = await store.reserve([charge()], { tokens: 10, usd: 0 }, T0);
    if (!result.ok) throw new Error("expected a reservation");
    let settled = false;
    void store.settle(result.reservationId, { tokens: 7, usd: 0 }, T0).then(() => {
      settled = true;
    });
    await store.close();
    expect(settled).toBe(true);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(7);
  });

  test("close sends a waiting batch", async () => {
    // A batch this slow would outlast the test unless close sends it.
    const store = new ValkeyQuotaStore(valkey!.client, { prefix: freshPrefix(),
      settleBatchMs: 10 * MINUTE });
    const result = await store.reserve([charge()], { tokens: 10, usd: 0 }, T0);
    if (!result.ok) throw new Error("expected a reservation");
    const settled = store.settle(result.reservationId, { tokens: 4, usd: 0 }, T0);
    await store.close();
    expect(await settled).toEqual([]);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(4);
  });

  test("settles of one org share a call", async () => {
    const client = await valkey!.connect();
    const calls = recordScriptKeys(client);
    const store = new ValkeyQuotaStore(client, { prefix: freshPrefix(), settleBatchMs: 50 });
    const soft = charge({ mode: "soft", limit: { tokens: 25 } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const result = await store.reserve([soft], { tokens: 0, usd: 0 }, T0);
      if (!result.ok) throw new Error("soft rules never reject");
      ids.push(result.reservationId);
    }

    calls.length = 0;
    const raised = await Promise.all(ids.map((id) =>
      store.settle(id, { tokens: 10, usd: 0 }, T0)));
    // One SETTLE for the five, then one call that records the alert.
    expect(calls).toHaveLength(2);
    expect(raised.map((alerts) => alerts.length)).toEqual([0, 0, 1, 0, 0]);
    expect(raised[2]![0]!.used).toBe(30);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(50);
  });
});

/** Returns the charges of an org rule and a key rule for one request of `org`. */
function requestCharges(org: string, mode: "hard" | "soft" = "hard"): QuotaCharge[] {
  const limit = { tokens: 1000 };
  return [
    { rule: { axis: "org", match: "*", window: "hour", limit, mode }, value: org },
    { rule: { axis: "key", match: "*", window: "hour", limit, mode }, value: `key_${org}` },
  ];
}

const PROVIDER_RULE: QuotaRule = { axis: "provider", match: "*", window: "hour",
  limit: { tokens: 1_000_000 }, mode: "hard" };

describe.skipIf(valkey === null)("valkey quota keys on a cluster", () => {
  test("two orgs get different slots", async () => {
    const prefix = freshPrefix();
    const store = new ValkeyQuotaStore(valkey!.client, { prefix });
    for (const org of ["acme", "beta"]) {
      expect((await store.reserve(requestCharges(org), { tokens: 1, usd: 0 }, T0, org)).ok)
        .toBe(true);
    }

    const acme = await valkey!.client.keys(`${prefix}{quota:acme}:*`);
    const beta = await valkey!.client.keys(`${prefix}{quota:beta}:*`);
    // Each org has its two counters, its leases and its reservations.
    expect(acme).toHaveLength(4);
    expect(beta).toHaveLength(4);
    expect(acme).toContain(`${prefix}{quota:acme}:counter:hour:key:key_acme`);
    expect(clusterSlot(acme[0]!)).not.toBe(clusterSlot(beta[0]!));
  });

  test("each script touches one slot", async () => {
    const client = await valkey!.connect();
    const calls = recordScriptKeys(client);
    const store = new ValkeyQuotaStore(client, { prefix: freshPrefix() });
    for (const org of ["acme", "beta"]) {
      const charges = [...requestCharges(org, "soft"), { rule: PROVIDER_RULE, value: "openai" }];
      const result = await store.reserve(charges, { tokens: 600, usd: 0 }, T0, org);
      if (!result.ok) throw new Error("expected a reservation");
      expect(await store.settle(result.reservationId, { tokens: 1200, usd: 0 }, T0))
        .toHaveLength(2);
    }

    // Per org: reserve and settle on the global and the org tag, value indexes, alert list.
    expect(calls.length).toBeGreaterThanOrEqual(10);
    for (const keys of calls) {
      expect(new Set(keys.map(clusterSlot)).size).toBe(1);
    }
    expect(await store.alerts(10)).toHaveLength(4);
  });

  test("provider counter under global tag", async () => {
    const prefix = freshPrefix();
    const store = new ValkeyQuotaStore(valkey!.client, { prefix });
    const charges = [...requestCharges("acme"), { rule: PROVIDER_RULE, value: "openai" }];
    expect((await store.reserve(charges, { tokens: 5, usd: 0 }, T0, "acme")).ok).toBe(true);
    expect(await valkey!.client.exists(`${prefix}{quota}:counter:hour:provider:openai`))
      .toBe(1);
    expect(await valkey!.client.exists(`${prefix}{quota:acme}:counter:hour:org:acme`)).toBe(1);
  });

  test("rejected org takes back provider estimate", async () => {
    const prefix = freshPrefix();
    const store = new ValkeyQuotaStore(valkey!.client, { prefix });
    const charges = [...requestCharges("acme"), { rule: PROVIDER_RULE, value: "openai" }];
    const result = await store.reserve(charges, { tokens: 2000, usd: 0 }, T0, "acme");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.exceeded.charge.rule.axis).toBe("org");

    const provider = { axis: "provider", value: "openai", window: "hour" } as const;
    expect(await store.usage(provider, T0)).toEqual({ tokens: 0, usd: 0 });
    expect(await valkey!.client.hlen(`${prefix}{quota}:reservations`)).toBe(0);
  });

  test("key usage found under its org", async () => {
    const prefix = freshPrefix();
    const writer = new ValkeyQuotaStore(valkey!.client, { prefix });
    const result = await writer.reserve(requestCharges("acme"), { tokens: 30, usd: 0 }, T0,
      "acme");
    if (!result.ok) throw new Error("expected a reservation");
    await writer.settle(result.reservationId, { tokens: 25, usd: 0 }, T0);

    // Another node, which never saw the key, finds its counter under the org's tag.
    const reader = new ValkeyQuotaStore(await valkey!.connect(), { prefix });
    const key = { axis: "key", value: "key_acme", window: "hour" } as const;
    expect((await reader.usage(key, T0)).tokens).toBe(25);
    expect(await reader.values("key", "hour", T0)).toEqual(["key_acme"]);
  });

  test("crashed node's lease frees per org", async () => {
    const prefix = freshPrefix();
    const crashed = new ValkeyQuotaStore(valkey!.client, { prefix, reservationLeaseMs: MINUTE });
    const survivor = new ValkeyQuotaStore(valkey!.client, { prefix, reservationLeaseMs: MINUTE });
    for (const org of ["acme", "beta"]) {
      await crashed.reserve(requestCharges(org), { tokens: 900, usd: 0 }, T0, org);
    }

    // A reserve for acme after the lease frees acme's estimate; beta's waits for beta.
    const late = await survivor.reserve(requestCharges("acme"), { tokens: 200, usd: 0 },
      T0 + MINUTE, "acme");
    expect(late.ok).toBe(true);
    const beta = { axis: "org", value: "beta", window: "hour" } as const;
    expect((await survivor.usage(beta, T0 + MINUTE)).tokens).toBe(900);
    const betaLate = await survivor.reserve(requestCharges("beta"), { tokens: 200, usd: 0 },
      T0 + MINUTE, "beta");
    expect(betaLate.ok).toBe(true);
    expect((await survivor.usage(beta, T0 + MINUTE)).tokens).toBe(200);
  });
});
