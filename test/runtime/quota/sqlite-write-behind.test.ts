import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type LogFields } from "../../../runtime/observability/log.ts";
import type { QuotaRule } from "../../../runtime/quota/config-schema.ts";
import type { QuotaCharge } from "../../../runtime/quota/quota-store.ts";
import { SqliteQuotaStore } from "../../../runtime/quota/sqlite-quota-store.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ORG_HOUR = { axis: "org", value: "acme", window: "hour" } as const;
/** Long enough that no timer flush runs during a test that flushes by hand. */
const NEVER_MS = 3_600_000;

let dataDir: string;
const opened: Database[] = [];
const stores: SqliteQuotaStore[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "nexus-quota-wb-"));
});
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const db of opened.splice(0)) db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function open(flushIntervalMs = NEVER_MS, busyTimeoutMs?: number) {
  const db = openEmbeddedDatabase(dataDir, busyTimeoutMs);
  opened.push(db);
  const logs: LogFields[] = [];
  const logger = createLogger((line) => logs.push(JSON.parse(line) as LogFields));
  const store = new SqliteQuotaStore(db, { flushIntervalMs, logger });
  stores.push(store);
  return { db, store, logs };
}

/** Reads usage as a second process would: a new connection and a store loaded from SQLite. */
function storedUsage(now: number) {
  const db = openEmbeddedDatabase(dataDir);
  try {
    return new SqliteQuotaStore(db).usage(ORG_HOUR, now);
  } finally {
    db.close();
  }
}

function charge(overrides: Partial<QuotaRule> = {}): QuotaCharge {
  return { rule: { axis: "org", match: "acme", window: "hour", limit: { tokens: 1000 },
    mode: "hard", ...overrides }, value: "acme" };
}

async function spend(store: SqliteQuotaStore, tokens: number, now: number,
  rules: QuotaCharge[] = [charge()]) {
  const result = await store.reserve(rules, { tokens: 1, usd: 0 }, now);
  if (!result.ok) throw new Error(`expected a reservation, got ${JSON.stringify(result)}`);
  return store.settle(result.reservationId, { tokens, usd: 0 }, now);
}

describe("write-behind", () => {
  test("timer flush writes settled spend", async () => {
    const { store } = open(20);
    await spend(store, 300, T0);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(300);

    await Bun.sleep(150);
    expect((await storedUsage(T0)).tokens).toBe(300);
  });

  test("close writes spend settled since the last flush", async () => {
    const { store } = open();
    await spend(store, 120, T0);
    await spend(store, 80, T0 + 1000);
    expect((await storedUsage(T0 + 1000)).tokens).toBe(0);

    store.close();
    expect((await storedUsage(T0 + 1000)).tokens).toBe(200);
  });

  test("crash loses only spend after the last flush", async () => {
    const { store } = open();
    await spend(store, 500, T0);
    expect(store.flush()).toBe(true);
    await spend(store, 70, T0 + 1000);

    // The process ends here without `close`, so a new store reads only what the flush wrote.
    expect((await storedUsage(T0 + 1000)).tokens).toBe(500);
  });

  test("reservations in flight are never stored", async () => {
    const { store } = open();
    await spend(store, 100, T0);
    const inFlight = await store.reserve([charge()], { tokens: 400, usd: 0 }, T0);
    expect(inFlight.ok).toBe(true);
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(500);

    store.close();
    expect((await storedUsage(T0)).tokens).toBe(100);
  });

  test("failed flush keeps spend for the next one", async () => {
    const { store, logs } = open(NEVER_MS, 10);
    const locker = openEmbeddedDatabase(dataDir);
    opened.push(locker);
    await spend(store, 250, T0);

    locker.exec("BEGIN IMMEDIATE");
    expect(store.flush()).toBe(false);
    expect(logs.filter((line) => line.event === "quota.flush_failed")).toHaveLength(1);
    locker.exec("COMMIT");

    expect(store.flush()).toBe(true);
    expect((await storedUsage(T0)).tokens).toBe(250);
  });
});

describe("alerts", () => {
  const soft = () => charge({ mode: "soft", limit: { tokens: 100 } });

  test("pending alert is listed before its flush", async () => {
    const { store } = open();
    const raised = await spend(store, 150, T0, [soft()]);
    expect(raised).toHaveLength(1);
    expect(await store.alerts(10)).toEqual(raised);
  });

  test("restart keeps one alert per window", async () => {
    const first = open();
    expect(await spend(first.store, 150, T0, [soft()])).toHaveLength(1);
    first.store.close();

    const second = open();
    expect(await spend(second.store, 10, T0 + MINUTE, [soft()])).toEqual([]);
    expect(await second.store.alerts(10)).toHaveLength(1);
    const later = T0 + HOUR + MINUTE;
    expect(await spend(second.store, 150, later, [soft()])).toHaveLength(1);
    expect(await second.store.alerts(10)).toHaveLength(2);
  });
});

describe("admission", () => {
  test("concurrent reserves never pass the limit", async () => {
    const { store } = open();
    const results = await Promise.all(Array.from({ length: 200 },
      () => store.reserve([charge()], { tokens: 10, usd: 0 }, T0)));
    const admitted = results.filter((result) => result.ok);
    expect(admitted).toHaveLength(100);

    // Each admitted request uses 3 tokens more than its estimate: the overshoot is bounded
    // by those requests in flight together, and later requests see the real spend.
    for (const result of admitted) {
      if (result.ok) await store.settle(result.reservationId, { tokens: 13, usd: 0 }, T0);
    }
    expect((await store.usage(ORG_HOUR, T0)).tokens).toBe(1300);
    expect((await store.reserve([charge()], { tokens: 1, usd: 0 }, T0)).ok).toBe(false);
  });

  test("spend counts at once, before any flush", async () => {
    const { store } = open();
    await spend(store, 995, T0);
    const result = await store.reserve([charge()], { tokens: 10, usd: 0 }, T0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.exceeded.used).toBe(995);
  });
});

describe("shared data dir", () => {
  test("flush adopts spend another process wrote", async () => {
    const first = open();
    const second = open();
    await spend(first.store, 300, T0);
    expect(first.store.flush()).toBe(true);

    await spend(second.store, 200, T0);
    expect(second.store.flush()).toBe(true);
    expect((await second.store.usage(ORG_HOUR, T0)).tokens).toBe(500);
    const warned = second.logs.filter((line) => line.event === "quota.store_shared");
    expect(warned).toHaveLength(1);
    expect(first.logs.filter((line) => line.event === "quota.store_shared")).toHaveLength(0);
    expect((await storedUsage(T0)).tokens).toBe(500);
  });
});
