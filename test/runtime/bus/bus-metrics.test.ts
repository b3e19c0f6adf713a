import { afterEach, describe, expect, test } from "bun:test";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { RunningConsumer } from "../../../runtime/bus/batch-consumer.ts";
import {
  BusEventPublisher,
  openBusEventPublisher,
} from "../../../runtime/bus/bus-event-publisher.ts";
import { busNames } from "../../../runtime/bus/bus-names.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import { startOpenRequestTracker } from "../../../runtime/bus/open-request-tracker.ts";
import type { RequestStart } from "../../../runtime/bus/request-start.ts";
import { SqliteOpenRequests } from "../../../runtime/bus/sqlite-open-requests.ts";
import { busWriterMetricHooks } from "../../../runtime/observability/bus-writer-metrics.ts";
import {
  createGatewayMetrics,
  type GatewayMetrics,
} from "../../../runtime/observability/metrics.ts";
import { type NatsTestContext, openNatsForTest, waitFor } from "../../support/nats.ts";
import {
  busEvent,
  openTempEventStore,
  recordingLogger,
  type TempEventStore,
} from "./support.ts";

let bus: NatsTestContext | null = null;
let temp: TempEventStore | null = null;
const running: RunningConsumer[] = [];

afterEach(async () => {
  for (const consumer of running.splice(0)) await consumer.stop();
  await bus?.close();
  bus = null;
  temp?.close();
  temp = null;
});

/** Current value of a counter, for one label set or the unlabelled series. */
async function counterValue(counter: GatewayMetrics[keyof GatewayMetrics],
  labels: Record<string, string> = {}): Promise<number> {
  const { values } = await (counter as GatewayMetrics["busPublished"]).get();
  const wanted = Object.entries(labels);
  const match = values.find((value) =>
    wanted.every(([name, label]) => value.labels[name as "record"] === label));
  return match?.value ?? 0;
}

function startOf(requestId: string, nodeId: string): RequestStart {
  return {
    requestId, clientRequestId: null, time: Date.now(), nodeId, keyId: "key_1", org: "acme",
    project: null, route: "/v1/chat/completions", model: "gpt-test", provider: "openai",
    upstreamModel: "gpt-4o-mini", stream: false,
  };
}

describe("bus metrics", () => {
  test("publisher counts acknowledged records", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const metrics = createGatewayMetrics();
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger, metrics);

    const events = [busEvent(), busEvent(), busEvent()];
    for (const event of events) publisher.write(event);
    publisher.started(startOf(`req_${crypto.randomUUID()}`, "node-a"));
    await publisher.close();

    expect(await counterValue(metrics.busPublished, { record: "event" })).toBe(3);
    expect(await counterValue(metrics.busPublished, { record: "start" })).toBe(1);
    expect(await counterValue(metrics.busPublishRetries, { record: "event" })).toBe(0);
  });

  test("publisher counts retries", async () => {
    // A client whose first two publishes time out, as during a JetStream restart.
    let calls = 0;
    const flaky = {
      publish: async () => {
        calls += 1;
        if (calls <= 2) throw new Error("timeout waiting for the acknowledgement");
        return { stream: "test", seq: calls, duplicate: false };
      },
    } as unknown as JetStreamClient;
    const metrics = createGatewayMetrics();
    const { logger } = recordingLogger();
    const publisher = new BusEventPublisher(flaky, busNames("nexus_test_retry"), logger,
      metrics);

    const event = busEvent();
    publisher.write(event);
    // `close` waits for the retries (about 300 ms of backoff) up to its own time bound.
    await publisher.close();

    expect(calls).toBe(3);
    expect(await counterValue(metrics.busPublishRetries, { record: "event" })).toBe(2);
    expect(await counterValue(metrics.busPublished, { record: "event" })).toBe(1);
    expect(await counterValue(metrics.auditWriteFailures)).toBe(0);
  });

  test("writer and sweep counters move", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const metrics = createGatewayMetrics();
    const hooks = busWriterMetricHooks(metrics);
    const { logger } = recordingLogger();
    const open = new SqliteOpenRequests(temp.db);
    running.push(await startBusEventWriter(bus.nc, bus.names, temp.store, logger,
      { openRequests: open, onCommitted: hooks.onCommitted }));
    running.push(await startOpenRequestTracker(bus.nc, bus.names, temp.store, open, logger,
      { deadAfterMs: 1000, sweepEveryMs: 100, onLost: hooks.onLost }));

    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    const events = [busEvent(), busEvent()];
    for (const event of events) publisher.write(event);
    // A node that never beats, so the sweep records its request as lost.
    const lostId = `req_${crypto.randomUUID()}`;
    publisher.started(startOf(lostId, "node-silent"));
    await publisher.close();

    const store = temp;
    expect(await waitFor(() => store.count() === 3)).toBe(true);
    expect(await waitFor(async () => await counterValue(metrics.gatewayLostWritten) === 1))
      .toBe(true);
    // The writer counts after it closed the batch's open requests, just after the insert.
    expect(await waitFor(async () => await counterValue(metrics.busEventsCommitted) === 2))
      .toBe(true);
    expect(await counterValue(metrics.auditEventsWritten)).toBe(3);

    const lost = store.db.query<{ provider: string | null; upstream_model: string | null }, [
      string,
    ]>("SELECT provider, upstream_model FROM traffic_events WHERE request_id = ?").get(lostId);
    expect(lost?.provider).toBe("openai");
    expect(lost?.upstream_model).toBe("gpt-4o-mini");
  }, 20_000);
});
