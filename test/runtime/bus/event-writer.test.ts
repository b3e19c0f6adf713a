import { afterEach, describe, expect, test } from "bun:test";
import { jetstream } from "@nats-io/jetstream";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { startBusEventWriter } from "../../../runtime/bus/bus-event-writer.ts";
import { eventSubject } from "../../../runtime/bus/bus-names.ts";
import type { RunningConsumer } from "../../../runtime/bus/batch-consumer.ts";
import { ensureEventStreams } from "../../../runtime/bus/event-streams.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import {
  type NatsTestContext,
  openNatsForTest,
  TEST_NATS_URL,
  waitFor,
} from "../../support/nats.ts";
import { busEvent, openTempEventStore, recordingLogger, type TempEventStore } from "./support.ts";

let bus: NatsTestContext | null = null;
let temp: TempEventStore | null = null;
const writers: RunningConsumer[] = [];
let child: Bun.Subprocess | null = null;

afterEach(async () => {
  if (child !== null && child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, "SIGKILL");
  }
  child = null;
  for (const writer of writers.splice(0)) await writer.stop();
  await bus?.close();
  bus = null;
  temp?.close();
  temp = null;
});

async function publishAll(context: NatsTestContext, events: readonly TrafficEvent[]):
  Promise<void> {
  const { logger } = recordingLogger();
  const publisher = await openBusEventPublisher(context.nc, context.names, logger,
    createGatewayMetrics());
  for (const event of events) publisher.write(event);
  await publisher.close();
}

async function writerState(context: NatsTestContext):
  Promise<{ ackPending: number; pending: number }> {
  const info = await context.jsm.consumers.info(context.names.eventStream,
    context.names.writerConsumer);
  return { ackPending: info.num_ack_pending, pending: info.num_pending };
}

/** A store that waits for `release` before each write and counts its calls. */
function gatedStore(inner: TempEventStore) {
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const state = {
    calls: 0,
    release() {
      open();
    },
    async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
      state.calls += 1;
      await gate;
      return await inner.store.insertBatch(events);
    },
  };
  return state;
}

describe("bus event writer", () => {
  test("stores a batch, then acknowledges it", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const events = Array.from({ length: 50 }, () => busEvent());
    await publishAll(bus, events);
    const store = gatedStore(temp);
    const { logger } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, store, logger));

    // While the write waits, every delivered event is still unacknowledged.
    expect(await waitFor(() => store.calls > 0)).toBe(true);
    expect(await waitFor(async () => (await writerState(bus as NatsTestContext))
      .ackPending === 50)).toBe(true);
    expect(temp.count()).toBe(0);

    store.release();
    expect(await waitFor(() => (temp as TempEventStore).count() === 50)).toBe(true);
    expect(await waitFor(async () => (await writerState(bus as NatsTestContext))
      .ackPending === 0)).toBe(true);
    expect((await writerState(bus)).pending).toBe(0);
    const first = events[0] as TrafficEvent;
    expect((await temp.store.get(first.requestId))?.org).toBe("acme");
  });

  test("batches at most maxBatch events", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    await publishAll(bus, Array.from({ length: 120 }, () => busEvent()));
    const sizes: number[] = [];
    const inner = temp;
    const store = {
      async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
        sizes.push(events.length);
        return await inner.store.insertBatch(events);
      },
    };
    const { logger } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, store, logger, { maxBatch: 50 }));

    expect(await waitFor(() => inner.count() === 120)).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(120);
  });

  test("stores inline bodies from the bus", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const body = new Uint8Array([123, 34, 97, 34, 58, 49, 125, 0, 255]);
    const event = busEvent({ captureInline: { request: body, response: null } });
    await publishAll(bus, [event]);
    const { logger } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, temp.store, logger));

    expect(await waitFor(() => (temp as TempEventStore).count() === 1)).toBe(true);
    const row = temp.db.query<{ request_body: Uint8Array | null }, [string]>(
      "SELECT request_body FROM traffic_events WHERE request_id = ?",
    ).get(event.requestId);
    expect(row?.request_body).toEqual(body);
  });

  test("two writers share the consumer", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const events = Array.from({ length: 400 }, () => busEvent());
    const inner = temp;
    const byWriter = [0, 0];
    const countingStore = (index: number) => ({
      async insertBatch(batch: readonly TrafficEvent[]): Promise<number> {
        byWriter[index] = (byWriter[index] ?? 0) + batch.length;
        // A slow write lets the other writer take the next batch.
        await Bun.sleep(20);
        return await inner.store.insertBatch(batch);
      },
    });
    const { logger } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, countingStore(0), logger,
      { maxBatch: 20 }));
    writers.push(await startBusEventWriter(await bus.connect(), bus.names, countingStore(1),
      logger, { maxBatch: 20 }));
    await publishAll(bus, events);

    expect(await waitFor(() => inner.count() === 400)).toBe(true);
    expect(byWriter[0]).toBeGreaterThan(0);
    expect(byWriter[1]).toBeGreaterThan(0);
    expect(await waitFor(async () => (await writerState(bus as NatsTestContext))
      .ackPending === 0)).toBe(true);
  });

  test("redelivers a batch the store rejected", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    const events = Array.from({ length: 30 }, () => busEvent());
    await publishAll(bus, events);
    const inner = temp;
    let calls = 0;
    const store = {
      async insertBatch(batch: readonly TrafficEvent[]): Promise<number> {
        calls += 1;
        if (calls === 1) throw new Error("connection to the store lost");
        return await inner.store.insertBatch(batch);
      },
    };
    const { logger, lines } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, store, logger, {
      retryDelayMs: () => 100,
    }));

    expect(await waitFor(() => inner.count() === 30)).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(2);
    const failed = lines.find((line) => line.event === "bus.batch_failed");
    expect(failed?.error).toContain("connection to the store lost");
    expect(await waitFor(async () => (await writerState(bus as NatsTestContext))
      .ackPending === 0)).toBe(true);
  });

  test("sends an undecodable message to the dead letter", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    await ensureEventStreams(bus.jsm, bus.names);
    const js = jetstream(bus.nc);
    const good = busEvent();
    await js.publish(eventSubject(bus.names, "acme"), "not json {", { msgID: "poison-1" });
    await publishAll(bus, [good]);
    const { logger, lines } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, temp.store, logger, {
      deadLetterAfter: 3,
      retryDelayMs: () => 50,
    }));

    const deadLetter = async () =>
      (await bus?.jsm.streams.info(bus.names.deadLetterStream))?.state.messages ?? 0;
    expect(await waitFor(async () => (await deadLetter()) === 1)).toBe(true);
    const copy = await bus.jsm.streams.getMessage(bus.names.deadLetterStream, { seq: 1 });
    expect(new TextDecoder().decode(copy?.data)).toBe("not json {");
    expect(copy?.header.get("Nexus-Deliveries")).toBe("3");
    expect(copy?.header.get("Nexus-Error")).toContain("invalid traffic event JSON");
    expect(temp.count()).toBe(1);
    expect((await temp.store.get(good.requestId))?.requestId).toBe(good.requestId);

    const logged = lines.find((line) => line.event === "bus.message_dead_lettered");
    expect(logged?.stream_sequence).toBe(1);
    expect(lines.filter((line) => line.event === "bus.message_undecodable")).toHaveLength(2);
    expect(await waitFor(async () => (await writerState(bus as NatsTestContext))
      .ackPending === 0)).toBe(true);
  });

  test("writer killed mid-batch stores each event once", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    temp = openTempEventStore();
    // A short ack wait, so the killed writer's batch is redelivered within the test.
    await ensureEventStreams(bus.jsm, bus.names, {}, { ackWaitMs: 1500 });
    const events = Array.from({ length: 300 }, () => busEvent());
    await publishAll(bus, events);

    const writerProcess = Bun.spawn([process.execPath, `${import.meta.dir}/writer-crash-child.ts`,
      TEST_NATS_URL, bus.names.eventSubjectPrefix.split(".")[0] as string, temp.dataDir], {
      stdout: "pipe",
      stderr: "inherit",
    });
    child = writerProcess;
    const firstLine = await readLine(writerProcess.stdout);
    expect(firstLine).toBe("committed 100");
    process.kill(writerProcess.pid, "SIGKILL");
    await writerProcess.exited;
    expect(temp.count()).toBe(100);

    let skipped = 0;
    const { logger } = recordingLogger();
    writers.push(await startBusEventWriter(bus.nc, bus.names, temp.store, logger, {
      onCommitted: (written, batch) => {
        skipped += batch.length - written;
      },
    }));
    expect(await waitFor(async () => (await writerState(bus as NatsTestContext))
      .ackPending === 0 && (await writerState(bus as NatsTestContext)).pending === 0, 15_000))
      .toBe(true);

    expect(temp.count()).toBe(300);
    // The killed writer's committed batch came back and was skipped, not stored twice.
    expect(skipped).toBe(100);
    for (const event of events) {
      expect((await temp.store.get(event.requestId))?.requestId).toBe(event.requestId);
    }
  }, 30_000);
});

/** Reads `stream` up to its first line break. */
async function readLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value);
    const end = text.indexOf("\n");
    if (end >= 0) {
      reader.releaseLock();
      return text.slice(0, end);
    }
  }
}
