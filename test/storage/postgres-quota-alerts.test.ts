import { describe, expect, test } from "bun:test";
import type { QuotaAlert } from "../../runtime/quota/quota-store.ts";
import { PgQuotaAlertLog } from "../../runtime/storage/postgres/pg-quota-alerts.ts";
import {
  type PostgresTestContext, postgresAvailable, usePostgresPerTest,
} from "../support/postgres.ts";

const available = await postgresAvailable();

describe.skipIf(!available)("postgres quota alert log", () => {
  let ctx: PostgresTestContext;
  usePostgresPerTest((opened) => {
    ctx = opened;
  });

  test("alerts read back newest first", async () => {
    const log = new PgQuotaAlertLog(ctx.sql);
    const older: QuotaAlert = {
      time: 1_000, axis: "org", match: "acme", value: "acme", window: "day", unit: "usd",
      limit: 10, used: 10.5,
    };
    const newer: QuotaAlert = { ...older, time: 2_000, axis: "key", value: "key_a",
      unit: "tokens", limit: 1000, used: 1200 };
    await log.record([older, newer]);
    await log.record([]);

    expect(await log.list(10)).toEqual([newer, older]);
    expect(await log.list(1)).toEqual([newer]);
  });
});
