import { describe, expect, test } from "bun:test";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import {
  createUpcomingEventPartitions, dropExpiredEventPartitions, listEventPartitions,
  startEventRetention,
} from "../../runtime/storage/postgres/event-partitions.ts";
import { PgEventStore } from "../../runtime/storage/postgres/pg-event-store.ts";
import { eventually } from "../support/harness.ts";
import {
  type PostgresTestContext, postgresAvailable, usePostgresPerTest,
} from "../support/postgres.ts";

const DAY = 86_400_000;
/** Noon UTC on a fixed day, so that no test straddles midnight. */
const NOON = Date.UTC(2026, 5, 15, 12);

function event(requestId: string, time: number): TrafficEvent {
  return {
    requestId, clientRequestId: null, time, keyId: null, org: "acme", project: null,
    route: "/v1/chat/completions", provider: null, model: null, upstreamModel: null,
    stream: false, status: 200, errorCode: null, latencyMs: 1, ttftMs: null, inputTokens: null,
    outputTokens: null, cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null,
    costUsd: null, detail: {},
  };
}

async function count(ctx: PostgresTestContext, table: string): Promise<number> {
  const [row] = await ctx.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${ctx.sql(table)}`;
  return row?.n ?? -1;
}

const available = await postgresAvailable();

describe.skipIf(!available)("postgres event partitions", () => {
  let ctx: PostgresTestContext;
  usePostgresPerTest((opened) => {
    ctx = opened;
  });

  test("partitions ahead of today", async () => {
    expect(await createUpcomingEventPartitions(ctx.sql, NOON)).toBe(3);
    expect(await createUpcomingEventPartitions(ctx.sql, NOON)).toBe(0);
    expect(await listEventPartitions(ctx.sql)).toEqual([
      "traffic_events_20260615", "traffic_events_20260616", "traffic_events_20260617",
    ]);
  });

  test("batch creates the days it needs", async () => {
    const store = new PgEventStore(ctx.sql);
    const written = await store.insertBatch([
      event("req_a", NOON), event("req_b", NOON - 10 * DAY), event("req_c", NOON + DAY),
    ]);
    expect(written).toBe(3);
    expect(await listEventPartitions(ctx.sql)).toEqual([
      "traffic_events_20260605", "traffic_events_20260615", "traffic_events_20260616",
    ]);
    const [row] = await ctx.sql`
      SELECT tableoid::regclass::text AS part FROM traffic_events WHERE request_id = 'req_b'`;
    expect(row?.part).toBe("traffic_events_20260605");
  });

  test("inline bodies and capture are stored", async () => {
    const store = new PgEventStore(ctx.sql);
    const body = new TextEncoder().encode('{"model":"gpt-test"}');
    await store.insertBatch([{
      ...event("req_a", NOON),
      captureInline: { request: body, response: null },
      capture: { mode: "redacted", prunedAt: null, request: null, response: null },
      detail: { upstream_status: 200 },
    }]);
    const [row] = await ctx.sql`
      SELECT request_body, response_body, bodies_kept, body_capture->>'mode' AS mode,
        detail->>'upstream_status' AS upstream_status
      FROM traffic_events WHERE request_id = 'req_a'`;
    expect(new Uint8Array(row?.request_body)).toEqual(body);
    expect(row?.response_body).toBeNull();
    expect(row?.bodies_kept).toBe(true);
    expect(row?.mode).toBe("redacted");
    expect(row?.upstream_status).toBe("200");
  });

  test("same id on another day is not stored twice", async () => {
    const store = new PgEventStore(ctx.sql);
    expect(await store.insertBatch([event("req_a", NOON)])).toBe(1);
    expect(await store.insertBatch([event("req_a", NOON + 2 * DAY)])).toBe(0);
    expect(await count(ctx, "traffic_events")).toBe(1);
    expect((await store.get("req_a"))?.time).toBe(NOON);
  });

  test("retention drops old days only", async () => {
    const store = new PgEventStore(ctx.sql);
    await store.insertBatch([
      event("req_old", NOON - 31 * DAY), event("req_edge", NOON - 30 * DAY),
      event("req_new", NOON),
    ]);

    const dropped = await dropExpiredEventPartitions(ctx.sql, 30, NOON);
    expect(dropped).toEqual(["traffic_events_20260515"]);
    const left = (await store.list({ limit: 10 })).map((e) => e.requestId);
    expect(left).toEqual(["req_new", "req_edge"]);
    const [ids] = await ctx.sql`SELECT count(*)::int AS n FROM traffic_event_ids`;
    expect(ids?.n).toBe(2);
    expect(await dropExpiredEventPartitions(ctx.sql, 30, NOON)).toEqual([]);
  });

  test("write after another node dropped the day", async () => {
    const store = new PgEventStore(ctx.sql);
    await store.insertBatch([event("req_1", NOON - 40 * DAY)]);
    await dropExpiredEventPartitions(ctx.sql, 30, NOON);
    // The store still assumes that the dropped partition exists and must create it again.
    expect(await store.insertBatch([event("req_2", NOON - 40 * DAY)])).toBe(1);
    expect((await store.get("req_2"))?.requestId).toBe("req_2");
  });

  test("retention job creates and drops", async () => {
    const store = new PgEventStore(ctx.sql);
    await store.insertBatch([event("req_old", Date.now() - 10 * DAY)]);
    const lines: Record<string, unknown>[] = [];
    const stop = startEventRetention(ctx.sql, {
      retentionDays: 5,
      logger: createLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    });
    try {
      const logged = await eventually(() =>
        lines.find((line) => line.event === "events.partitions_maintained"));
      expect(logged.created).toBe(3);
      expect(String(logged.dropped)).toStartWith("traffic_events_");
      expect(await store.get("req_old")).toBeUndefined();
      expect(await listEventPartitions(ctx.sql)).toHaveLength(3);
    } finally {
      stop();
    }
  });
});
