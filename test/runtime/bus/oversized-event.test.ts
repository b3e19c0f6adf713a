import { afterEach, describe, expect, test } from "bun:test";
import { loadCapturedBodies } from "../../../runtime/audit/capture-read.ts";
import type { CapturedBodies } from "../../../runtime/audit/capture-record.ts";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import type { RunningConsumer } from "../../../runtime/bus/batch-consumer.ts";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { type NatsTestContext, openNatsForTest, waitFor } from "../../support/nats.ts";
import { busEvent, openTempEventStore, recordingLogger, type TempEventStore } from "./support.ts";

let bus: NatsTestContext | null = null;
let temp: TempEventStore | null = null;
const writers: RunningConsumer[] = [];

afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.stop();
  await bus?.close();
  bus = null;
  temp?.close();
  temp = null;
});

const MiB = 1024 * 1024;

/** Publishes `event` through a real NATS server and returns what the writer stored. */
async function publishAndStore(context: NatsTestContext, store: TempEventStore,
  event: TrafficEvent) {
  const { logger, lines } = recordingLogger();
  const metrics = createGatewayMetrics();
  const publisher = await openBusEventPublisher(context.nc, context.names, logger, metrics);
  publisher.write(event);
  await publisher.close();
  writers.push(await startBusEventWriter(context.nc, context.names, store.store, logger));

  const stored = await waitFor(() => store.count() === 1);
  const failures = (await metrics.auditWriteFailures.get()).values[0]?.value ?? 0;
  return { stored, failures, lines, event: await store.store.get(event.requestId) };
}

function captureOf(size: number, inlineBytes: number): CapturedBodies {
  return {
    mode: "redacted",
    request: {
      contentType: "application/json", size, sha256: "0".repeat(64), inlineBytes,
      spill: null, complete: true,
    },
    response: null,
    prunedAt: null,
  };
}

describe("oversized event on the bus", () => {
  test("2 MB detail text is stored shrunk", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const event = busEvent({ status: 404, detail: { error_message: "m".repeat(2 * MiB) } });

    const result = await publishAndStore(bus, temp, event);

    expect(result.stored).toBe(true);
    expect(result.failures).toBe(0);
    expect(temp.count()).toBe(1);
    expect(result.event?.status).toBe(404);
    expect(result.event?.detail.event_truncated).toBe(true);
    expect(result.event?.detail.event_truncated_steps).toEqual(["text_truncated"]);
    expect(String(result.event?.detail.error_message).length).toBeLessThan(1100);
    const shrunk = result.lines.filter((line) => line.event === "bus.event_shrunk");
    expect(shrunk.length).toBe(1);
    expect(shrunk[0]?.request_id).toBe(event.requestId);
  });

  test("1 MB inline capture is dropped and marked", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const inline = new Uint8Array(MiB).fill(0x61);
    const event = busEvent({
      capture: captureOf(MiB, MiB),
      captureInline: { request: inline, response: null },
    });

    const result = await publishAndStore(bus, temp, event);

    expect(result.stored).toBe(true);
    expect(result.failures).toBe(0);
    expect(temp.count()).toBe(1);
    expect(result.event?.detail.event_truncated).toBe(true);
    expect(result.event?.detail.event_truncated_steps).toEqual(["capture_inline_dropped"]);
    expect(result.event?.capture?.request?.inlineDropped).toBe(true);

    const capture = result.event?.capture as CapturedBodies;
    const captures = {
      readInline: async () => null,
      readSpill: async () => null,
    };
    const loaded = await loadCapturedBodies(captures, event.requestId, capture);
    expect(loaded.request?.bytes).toBeNull();
    expect(loaded.request?.problem).toContain("inline part");
  });

  test("event that cannot shrink fails and is counted", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    // The key id is never truncated because it names the caller, so this event cannot shrink.
    const event = busEvent({ keyId: "k".repeat(2 * MiB) });
    const { logger, lines } = recordingLogger();
    const metrics = createGatewayMetrics();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger, metrics);
    publisher.write(event);
    await publisher.close();

    const failures = (await metrics.auditWriteFailures.get()).values[0]?.value ?? 0;
    expect(failures).toBe(1);
    const failed = lines.filter((line) => line.event === "audit.write_failed");
    expect(failed.length).toBe(1);
    expect(failed[0]?.request_id).toBe(event.requestId);
    expect(String(failed[0]?.error)).toContain("after shrinking");
  });

  test("event under the limit is unchanged", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const event = busEvent({ detail: { error_message: "m".repeat(100_000) } });

    const result = await publishAndStore(bus, temp, event);

    expect(result.stored).toBe(true);
    expect(result.event?.detail.event_truncated).toBeUndefined();
    expect(String(result.event?.detail.error_message).length).toBe(100_000);
    expect(result.lines.some((line) => line.event === "bus.event_shrunk")).toBe(false);
  });
});
