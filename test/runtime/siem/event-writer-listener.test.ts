import { describe, expect, test } from "bun:test";
import { EventWriter } from "../../../runtime/audit/event-writer.ts";
import type { EventStore, TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { sampleEvent } from "./support.ts";

/** A store that fails any batch containing the request id `poison`. */
class RecordingStore implements EventStore {
  stored: string[] = [];
  async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
    if (events.some((event) => event.requestId === "poison")) throw new Error("disk I/O error");
    this.stored.push(...events.map((event) => event.requestId));
    return events.length;
  }
  async list(): Promise<TrafficEvent[]> {
    return [];
  }
  async get(): Promise<TrafficEvent | undefined> {
    return undefined;
  }
}

describe("event writer onStored", () => {
  test("receives stored events after the write", async () => {
    const store = new RecordingStore();
    const seen: Array<{ ids: string[]; storedBefore: number }> = [];
    const writer = new EventWriter(store, createLogger(() => undefined), createGatewayMetrics(), {
      onStored: (events) => seen.push({
        ids: events.map((event) => event.requestId),
        storedBefore: store.stored.length,
      }),
    });
    writer.write(sampleEvent({ requestId: "a" }));
    writer.write(sampleEvent({ requestId: "b" }));
    expect(seen).toEqual([]);
    await writer.flush();

    expect(seen).toEqual([{ ids: ["a", "b"], storedBefore: 2 }]);
  });

  test("failed events are not passed on", async () => {
    const store = new RecordingStore();
    const seen: string[] = [];
    const writer = new EventWriter(store, createLogger(() => undefined), createGatewayMetrics(), {
      onStored: (events) => seen.push(...events.map((event) => event.requestId)),
    });
    for (const id of ["a", "poison", "b"]) writer.write(sampleEvent({ requestId: id }));
    await writer.flush();

    expect(store.stored).toEqual(["a", "b"]);
    expect(seen).toEqual(["a", "b"]);
  });

  test("throwing listener is logged, write kept", async () => {
    const store = new RecordingStore();
    const lines: Record<string, unknown>[] = [];
    const writer = new EventWriter(store,
      createLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      createGatewayMetrics(), {
        onStored: () => {
          throw new Error("listener broke");
        },
      });
    writer.write(sampleEvent({ requestId: "a" }));
    await writer.flush();

    expect(store.stored).toEqual(["a"]);
    const failure = lines.find((line) => line.event === "audit.listener_failed");
    expect(failure?.error).toBe("Error: listener broke");
    expect(lines.some((line) => line.event === "audit.write_failed")).toBe(false);
  });
});
