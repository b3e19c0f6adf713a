import { afterEach, describe, expect, test } from "bun:test";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { decodeStart, type RequestStart } from "../../../runtime/bus/request-start.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { type NatsTestContext, openNatsForTest } from "../../support/nats.ts";
import { busEvent, recordingLogger } from "./support.ts";

let bus: NatsTestContext | null = null;

afterEach(async () => {
  await bus?.close();
  bus = null;
});

function startFor(requestId: string): RequestStart {
  return {
    requestId, clientRequestId: null, time: Date.now(), nodeId: "node-1", keyId: "key_1",
    org: "acme", project: null, route: "/v1/chat/completions", model: "gpt-test",
    stream: true,
  };
}

describe("publisher start records", () => {
  test("start published under its own id", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    const event = busEvent();
    // Extra fields on the caller's object (a body here) must not reach the bus.
    publisher.started({ ...startFor(event.requestId), body: "secret prompt" } as RequestStart);
    publisher.started(startFor(event.requestId));
    await publisher.settled(event.requestId);

    const info = await bus.jsm.streams.info(bus.names.eventStream);
    expect(info.state.messages).toBe(1);
    const stored = await bus.jsm.streams.getMessage(bus.names.eventStream, { seq: 1 });
    expect(stored?.header.get("Nats-Msg-Id")).toBe(`${event.requestId}:start`);
    expect(stored?.subject).toBe(`${bus.names.startSubjectPrefix}.acme`);
    expect(decodeStart(stored?.data as Uint8Array).nodeId).toBe("node-1");
    expect(new TextDecoder().decode(stored?.data)).not.toContain("secret prompt");
    await publisher.close();
  });

  test("settled waits for the acknowledgement", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    // One publish at a time, so the last request's records are the last to be acknowledged.
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics(), { maxInFlight: 1 });
    const events = Array.from({ length: 50 }, () => busEvent());
    for (const event of events) {
      publisher.started(startFor(event.requestId));
      publisher.write(event);
    }
    const last = events.at(-1) as ReturnType<typeof busEvent>;
    expect(publisher.pending).toBeGreaterThan(0);
    await publisher.settled(last.requestId);

    expect(publisher.pending).toBe(0);
    expect((await bus.jsm.streams.info(bus.names.eventStream)).state.messages).toBe(100);
    await publisher.close();
    expect(await publisher.settled(last.requestId)).toBeUndefined();
  });
});
