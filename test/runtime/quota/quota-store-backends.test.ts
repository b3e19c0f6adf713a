import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { QuotaRule } from "../../../runtime/quota/config-schema.ts";
import type { QuotaCharge, QuotaStore } from "../../../runtime/quota/quota-store.ts";
import { type QuotaBackend, quotaBackends } from "../../support/quota-backends.ts";
import { openValkeyForTest } from "../../support/valkey.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

const BACKENDS = quotaBackends(valkey, "store");

for (const backend of BACKENDS) quotaSuite(backend);

function quotaSuite(backend: QuotaBackend) {
describe(backend.name, () => {
let store: QuotaStore;

beforeEach(() => {
  store = backend.open();
});
afterEach(() => {
  backend.close();
});

function rule(overrides: Partial<QuotaRule> = {}): QuotaRule {
  return { axis: "org", match: "acme", window: "hour", limit: { tokens: 1000 }, mode: "hard",
    ...overrides };
}

function charge(overrides: Partial<QuotaRule> = {}, value = "acme"): QuotaCharge {
  return { rule: rule(overrides), value };
}

const ORG_HOUR = { axis: "org", value: "acme", window: "hour" } as const;

async function reserveOk(charges: QuotaCharge[], tokens: number, now: number): Promise<string> {
  const result = await store.reserve(charges, { tokens, usd: 0 }, now);
  if (!result.ok) throw new Error(`expected a reservation, got ${JSON.stringify(result)}`);
  return result.reservationId;
}

describe(`reserve and settle`, () => {
  test("reserve counts the estimate", async () => {
    await reserveOk([charge()], 300, T0);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(300);
  });

  test("settle replaces the estimate with actual spend", async () => {
    const id = await reserveOk([charge()], 300, T0);
    await store.settle(id, { tokens: 120, usd: 0.5 }, T0 + 1000);
    expect(await store.usage(ORG_HOUR, T0 + 1000)).toEqual({ tokens: 120, usd: 0.5 });
  });

  test("settle twice charges once", async () => {
    const id = await reserveOk([charge()], 300, T0);
    await store.settle(id, { tokens: 120, usd: 0 }, T0);
    await store.settle(id, { tokens: 120, usd: 0 }, T0);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(120);
  });

  test("release returns the whole estimate", async () => {
    const id = await reserveOk([charge()], 300, T0);
    await store.release(id);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(0);
  });

  test("hard limit rejects and reserves nothing", async () => {
    await reserveOk([charge()], 900, T0);
    const other = charge({ axis: "key", match: "*" }, "key_1");
    const result = await store.reserve([other, charge()], { tokens: 200, usd: 0 }, T0);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.exceeded.charge.rule.axis).toBe("org");
    expect(result.exceeded.unit).toBe("tokens");
    expect(result.exceeded.limit).toBe(1000);
    expect(result.exceeded.used).toBe(900);
    expect(result.exceeded.requested).toBe(200);
    const keyUsage = await store.usage({ axis: "key", value: "key_1", window: "hour" }, T0);
    expect(keyUsage.tokens).toBe(0);
  });

  test("estimate that exactly fills the limit fits", async () => {
    await reserveOk([charge()], 400, T0);
    await reserveOk([charge()], 600, T0);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(1000);
  });

  test("usd limit checks usd", async () => {
    const usd = charge({ limit: { usd: 1 } });
    await store.reserve([usd], { tokens: 1, usd: 0.75 }, T0);
    const result = await store.reserve([usd], { tokens: 1, usd: 0.3 }, T0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.exceeded.unit).toBe("usd");
    expect((await store.reserve([usd], { tokens: 1, usd: 0.25 }, T0)).ok).toBe(true);
  });

  test("estimate over the limit never fits", async () => {
    const result = await store.reserve([charge()], { tokens: 1001, usd: 0 }, T0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.exceeded.resetsAt).toBeNull();
  });

  test("rules sharing a counter add spend once", async () => {
    const soft = charge({ mode: "soft", limit: { tokens: 500 } });
    await reserveOk([charge(), soft], 300, T0);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(300);
  });

  test("soft limit never rejects", async () => {
    const soft = charge({ mode: "soft", limit: { tokens: 10 } });
    expect((await store.reserve([soft], { tokens: 50, usd: 0 }, T0)).ok).toBe(true);
  });
});

describe(`sliding window`, () => {
  test("spend leaves an hour window after it", async () => {
    const id = await reserveOk([charge()], 0, T0);
    await store.settle(id, { tokens: 800, usd: 0 }, T0);
    expect((await store.usage(ORG_HOUR, T0 + 59 * MINUTE)).tokens).toBe(800);
    // The bucket of one minute counts until its end has left the window.
    expect((await store.usage(ORG_HOUR, T0 + HOUR + 30_000)).tokens).toBe(800);
    expect((await store.usage(ORG_HOUR, T0 + HOUR + MINUTE)).tokens).toBe(0);
  });

  test("window sums only recent buckets", async () => {
    for (const [offset, tokens] of [[0, 100], [20 * MINUTE, 200], [40 * MINUTE, 300]]) {
      const id = await reserveOk([charge()], 0, T0 + offset!);
      await store.settle(id, { tokens: tokens!, usd: 0 }, T0 + offset!);
    }
    expect((await store.usage(ORG_HOUR, T0 + 50 * MINUTE)).tokens).toBe(600);
    expect((await store.usage(ORG_HOUR, T0 + 70 * MINUTE)).tokens).toBe(500);
    expect((await store.usage(ORG_HOUR, T0 + 90 * MINUTE)).tokens).toBe(300);
    expect((await store.usage(ORG_HOUR, T0 + 110 * MINUTE)).tokens).toBe(0);
  });

  test("reset time is when enough spend ages out", async () => {
    for (const [offset, tokens] of [[0, 400], [10 * MINUTE, 400]]) {
      const id = await reserveOk([charge()], 0, T0 + offset!);
      await store.settle(id, { tokens: tokens!, usd: 0 }, T0 + offset!);
    }
    const now = T0 + 20 * MINUTE;
    const needsOne = await store.reserve([charge()], { tokens: 300, usd: 0 }, now);
    expect(needsOne.ok).toBe(false);
    if (!needsOne.ok) expect(needsOne.exceeded.resetsAt).toBe(T0 + HOUR + MINUTE);

    const needsTwo = await store.reserve([charge()], { tokens: 700, usd: 0 }, now);
    expect(needsTwo.ok).toBe(false);
    if (!needsTwo.ok) expect(needsTwo.exceeded.resetsAt).toBe(T0 + 10 * MINUTE + HOUR + MINUTE);

    expect((await store.reserve([charge()], { tokens: 300, usd: 0 }, T0 + HOUR + MINUTE)).ok)
      .toBe(true);
  });

  test("minute window frees after a minute", async () => {
    const minute = charge({ window: "minute", limit: { tokens: 100 } });
    await reserveOk([minute], 100, T0);
    expect((await store.reserve([minute], { tokens: 1, usd: 0 }, T0 + 30_000)).ok).toBe(false);
    expect((await store.reserve([minute], { tokens: 1, usd: 0 }, T0 + 61_000)).ok).toBe(true);
  });

  test("month window keeps spend for 30 days", async () => {
    const month = charge({ window: "month", limit: { usd: 10 } });
    const id = await reserveOk([month], 0, T0);
    await store.settle(id, { tokens: 5, usd: 9 }, T0);
    const counter = { axis: "org", value: "acme", window: "month" } as const;
    expect((await store.usage(counter, T0 + 29 * 24 * HOUR)).usd).toBe(9);
    expect((await store.usage(counter, T0 + 31 * 24 * HOUR)).usd).toBe(0);
  });
});

describe(`soft alerts`, () => {
  test("soft limit alerts once per window", async () => {
    const soft = charge({ mode: "soft", limit: { tokens: 100 } });
    const first = await reserveOk([soft], 10, T0);
    expect(await store.settle(first, { tokens: 80, usd: 0 }, T0)).toEqual([]);

    const second = await reserveOk([soft], 10, T0 + MINUTE);
    const alerts = await store.settle(second, { tokens: 40, usd: 0 }, T0 + MINUTE);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ axis: "org", value: "acme", window: "hour",
      unit: "tokens", limit: 100, used: 120 });

    const third = await reserveOk([soft], 10, T0 + 2 * MINUTE);
    expect(await store.settle(third, { tokens: 40, usd: 0 }, T0 + 2 * MINUTE)).toEqual([]);
    expect(await store.alerts(10)).toHaveLength(1);

    // One window after the first alert, spend still over the limit alerts again.
    const later = T0 + MINUTE + HOUR;
    const fourth = await reserveOk([soft], 10, later);
    expect(await store.settle(fourth, { tokens: 200, usd: 0 }, later)).toHaveLength(1);
    expect(await store.alerts(10)).toHaveLength(2);
  });
});

describe(`persistence`, () => {
  test("reopened store keeps counters", async () => {
    const id = await reserveOk([charge({ window: "month" })], 50, T0);
    await store.settle(id, { tokens: 700, usd: 2.5 }, T0);

    store = backend.reopen();
    const counter = { axis: "org", value: "acme", window: "month" } as const;
    expect(await store.usage(counter, T0 + 24 * HOUR)).toEqual({ tokens: 700, usd: 2.5 });
    expect(await store.values("org", "month", T0)).toEqual(["acme"]);
  });

  test("values lists spenders in the window", async () => {
    await reserveOk([charge({ axis: "key", match: "*" }, "key_b")], 5, T0);
    await reserveOk([charge({ axis: "key", match: "*" }, "key_a")], 5, T0 + 30 * MINUTE);
    expect(await store.values("key", "hour", T0 + 40 * MINUTE)).toEqual(["key_a", "key_b"]);
    expect(await store.values("key", "hour", T0 + 80 * MINUTE)).toEqual(["key_a"]);
    expect(await store.values("org", "hour", T0)).toEqual([]);
  });
});
});
}
