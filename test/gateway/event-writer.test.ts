import { describe, expect, test } from "bun:test";
import { EventWriter } from "../../runtime/audit/event-writer.ts";
import type { EventStore, TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { createGatewayMetrics } from "../../runtime/observability/metrics.ts";

function event(requestId: string): TrafficEvent {
  return {
    requestId, clientRequestId: null, time: Date.now(), keyId: null, org: null, project: null,
    route: "/v1/x",
    provider: null, model: null, upstreamModel: null, stream: false, status: 200,
    errorCode: null, latencyMs: 1, ttftMs: null, inputTokens: null, outputTokens: null,
    cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: null,
    detail: {},
  };
}

/** A store that refuses any batch holding the poisoned request id. */
class PoisonedStore implements EventStore {
  written: string[] = [];
  async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
    if (events.some((e) => e.requestId === "poison")) throw new Error("disk I/O error");
    this.written.push(...events.map((e) => e.requestId));
    return events.length;
  }
  async list(): Promise<TrafficEvent[]> {
    return [];
  }
  async get(): Promise<TrafficEvent | undefined> {
    return undefined;
  }
}

/** A network store that is down for its first `outages` calls. */
class FlakyStore extends PoisonedStore {
  calls = 0;
  constructor(private outages: number) {
    super();
  }
  override async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
    this.calls++;
    if (this.outages-- > 0) {
      throw Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" });
    }
    return super.insertBatch(events);
  }
}

describe("event writer", () => {
  test("failed write is logged and counted, neighbours kept", async () => {
    const store = new PoisonedStore();
    const lines: Record<string, unknown>[] = [];
    const metrics = createGatewayMetrics();
    const writer = new EventWriter(store, createLogger((l) => lines.push(JSON.parse(l))),
      metrics);
    writer.write(event("a"));
    writer.write(event("poison"));
    writer.write(event("b"));
    await writer.flush();

    expect(store.written).toEqual(["a", "b"]);
    const failure = lines.find((l) => l.event === "audit.write_failed");
    expect(failure?.request_id).toBe("poison");
    const text = await metrics.registry.metrics();
    expect(text).toContain("nexus_audit_write_failures_total 1");
  });

  test("flushes on the timer", async () => {
    const store = new PoisonedStore();
    const writer = new EventWriter(store, createLogger(() => undefined), createGatewayMetrics(),
      { flushIntervalMs: 5 });
    writer.write(event("x"));
    expect(store.written).toEqual([]);
    await Bun.sleep(30);
    expect(store.written).toEqual(["x"]);
  });

  test("unreachable store keeps the batch queued", async () => {
    const store = new FlakyStore(2);
    const lines: Record<string, unknown>[] = [];
    const writer = new EventWriter(store, createLogger((l) => lines.push(JSON.parse(l))),
      createGatewayMetrics(), { flushIntervalMs: 5 });
    writer.write(event("a"));
    writer.write(event("b"));
    await writer.flush();
    expect(store.written).toEqual([]);

    await Bun.sleep(50);
    expect(store.written).toEqual(["a", "b"]);
    expect(store.calls).toBe(3);
    expect(lines.filter((l) => l.event === "audit.store_locked")).toHaveLength(1);
    expect(lines.some((l) => l.event === "audit.write_failed")).toBe(false);
  });
});
