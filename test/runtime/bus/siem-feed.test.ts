import { afterEach, describe, expect, test } from "bun:test";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import type { RunningConsumer } from "../../../runtime/bus/batch-consumer.ts";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import { startSiemFeed } from "../../../runtime/bus/siem-feed.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { type NatsTestContext, openNatsForTest, waitFor } from "../../support/nats.ts";
import { busEvent, openTempEventStore, recordingLogger, type TempEventStore } from "./support.ts";

let bus: NatsTestContext | null = null;
let temp: TempEventStore | null = null;
const consumers: RunningConsumer[] = [];

afterEach(async () => {
  for (const consumer of consumers.splice(0)) await consumer.stop();
  await bus?.close();
  bus = null;
  temp?.close();
  temp = null;
});

async function siemAckPending(context: NatsTestContext): Promise<number> {
  const info = await context.jsm.consumers.info(context.names.eventStream,
    context.names.siemConsumer);
  return info.num_ack_pending + info.num_pending;
}

describe("SIEM feed", () => {
  test("forwards every event beside the writer", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const { logger } = recordingLogger();
    const forwarded: string[] = [];
    consumers.push(await startSiemFeed(bus.nc, bus.names, {
      forwardTraffic: (events: readonly TrafficEvent[]) => {
        forwarded.push(...events.map((event) => event.requestId));
      },
    }, logger));
    consumers.push(await startBusEventWriter(bus.nc, bus.names, temp.store, logger));
    const events = Array.from({ length: 25 }, () => busEvent());
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    for (const event of events) publisher.write(event);
    await publisher.close();

    expect(await waitFor(() => forwarded.length === 25)).toBe(true);
    expect(forwarded.toSorted()).toEqual(events.map((event) => event.requestId).toSorted());
    expect(await waitFor(() => (temp as TempEventStore).count() === 25)).toBe(true);
    expect(await waitFor(async () => (await siemAckPending(bus as NatsTestContext)) === 0))
      .toBe(true);
  });

  test("redelivers a batch the forwarder threw on", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    let calls = 0;
    const forwarded = new Set<string>();
    consumers.push(await startSiemFeed(bus.nc, bus.names, {
      forwardTraffic: (events: readonly TrafficEvent[]) => {
        calls += 1;
        if (calls === 1) throw new Error("disk queue full");
        for (const event of events) forwarded.add(event.requestId);
      },
    }, logger, { retryDelayMs: () => 50 }));
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    for (let i = 0; i < 10; i += 1) publisher.write(busEvent());
    await publisher.close();

    expect(await waitFor(() => forwarded.size === 10)).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(await waitFor(async () => (await siemAckPending(bus as NatsTestContext)) === 0))
      .toBe(true);
  });
});
