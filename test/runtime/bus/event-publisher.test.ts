import { afterEach, describe, expect, test } from "bun:test";
import { jetstream } from "@nats-io/jetstream";
import {
  BusEventPublisher,
  openBusEventPublisher,
} from "../../../runtime/bus/bus-event-publisher.ts";
import { NatsUnreachableError, openNats } from "../../../runtime/bus/open-nats.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { type NatsTestContext, openNatsForTest, waitFor } from "../../support/nats.ts";
import { busEvent, recordingLogger } from "./support.ts";

let bus: NatsTestContext | null = null;

afterEach(async () => {
  await bus?.close();
  bus = null;
});

async function streamMessages(context: NatsTestContext): Promise<number> {
  return (await context.jsm.streams.info(context.names.eventStream)).state.messages;
}

async function failureCount(metrics: ReturnType<typeof createGatewayMetrics>): Promise<number> {
  return (await metrics.auditWriteFailures.get()).values[0]?.value ?? 0;
}

describe("openNats", () => {
  test("names NATS and the URL when unreachable", async () => {
    // Port 1 on the loopback address has no listener on a normal machine.
    const url = "nats://127.0.0.1:1";
    const failure = await openNats(url, { timeoutMs: 1000 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(NatsUnreachableError);
    expect((failure as Error).message).toContain("NATS");
    expect((failure as Error).message).toContain(url);
  });
});

describe("bus event publisher", () => {
  test("publishes each event with its request id", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    const events = Array.from({ length: 40 }, () => busEvent());
    for (const event of events) publisher.write(event);
    await publisher.close();

    expect(await streamMessages(bus)).toBe(40);
    const stored = await bus.jsm.streams.getMessage(bus.names.eventStream, { seq: 1 });
    expect(stored?.header.get("Nats-Msg-Id")).toBe(events[0]?.requestId);
    expect(stored?.subject).toBe(`${bus.names.eventSubjectPrefix}.acme`);
  });

  test("drops a republished request id", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const metrics = createGatewayMetrics();
    const event = busEvent();
    const first = await openBusEventPublisher(bus.nc, bus.names, logger, metrics);
    first.write(event);
    first.write({ ...event });
    await first.close();
    // A second node (another connection) republishes the same event after a retry.
    const second = await openBusEventPublisher(await bus.connect(), bus.names, logger, metrics);
    second.write({ ...event, latencyMs: 99 });
    await second.close();

    expect(await streamMessages(bus)).toBe(1);
    expect(await failureCount(metrics)).toBe(0);
  });

  test("write returns before the publish", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    publisher.write(busEvent());

    // The publish runs after `write` returned, so the event is still pending here.
    expect(publisher.pending).toBe(1);
    expect(await waitFor(async () => (await streamMessages(bus as NatsTestContext)) === 1))
      .toBe(true);
    await publisher.close();
  });

  test("logs and counts events it cannot publish", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger, lines } = recordingLogger();
    const metrics = createGatewayMetrics();
    const nc = await bus.connect();
    const publisher = new BusEventPublisher(jetstream(nc), bus.names, logger, metrics);
    await nc.close();
    const event = busEvent();
    publisher.write(event);
    await publisher.close();

    expect(await failureCount(metrics)).toBe(1);
    const failed = lines.find((line) => line.event === "audit.write_failed");
    expect(failed?.request_id).toBe(event.requestId);
  });

  test("drops the oldest past the queue bound", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger, lines } = recordingLogger();
    const metrics = createGatewayMetrics();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger, metrics, {
      maxInFlight: 1,
      maxQueued: 2,
    });
    const events = Array.from({ length: 6 }, () => busEvent());
    for (const event of events) publisher.write(event);
    await publisher.close();

    // One publish in flight and two queued are kept, and the three oldest queued are dropped.
    expect(await streamMessages(bus)).toBe(3);
    expect(await failureCount(metrics)).toBe(3);
    const dropped = lines.filter((line) => line.event === "audit.write_failed")
      .map((line) => line.request_id);
    expect(dropped).toEqual(events.slice(1, 4).map((event) => event.requestId));
  });

  test("rejects writes after close", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const metrics = createGatewayMetrics();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger, metrics);
    await publisher.close();
    publisher.write(busEvent());

    expect(await failureCount(metrics)).toBe(1);
    expect(await streamMessages(bus)).toBe(0);
  });
});
