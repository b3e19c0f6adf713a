import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { type BusNames, busNames, startSubject } from "../../../runtime/bus/bus-names.ts";
import { openNats } from "../../../runtime/bus/open-nats.ts";
import { encodeStart, type RequestStart } from "../../../runtime/bus/request-start.ts";
import { SpillFile } from "../../../runtime/bus/spill-file.ts";
import { decodeStartBatch, type StartBatch } from "../../../runtime/bus/start-batch.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { type NatsTestContext, openNatsForTest, waitFor } from "../../support/nats.ts";
import { busEvent, recordingLogger } from "./support.ts";
import { startThrowawayNats } from "./throwaway-nats.ts";

let bus: NatsTestContext | null = null;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
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

interface StoredMessage {
  subject: string;
  msgID: string | undefined;
  text: string;
  data: Uint8Array;
}

/** Reads every message of the event stream, in stream order. */
async function storedMessages(jsm: JetStreamManager, names: BusNames): Promise<StoredMessage[]> {
  const info = await jsm.streams.info(names.eventStream);
  const messages: StoredMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
    const stored = await jsm.streams.getMessage(names.eventStream, { seq });
    if (stored === null) continue;
    messages.push({
      subject: stored.subject,
      msgID: stored.header.get("Nats-Msg-Id"),
      text: new TextDecoder().decode(stored.data),
      data: stored.data,
    });
  }
  return messages;
}

function startBatches(messages: readonly StoredMessage[], names: BusNames): StartBatch[] {
  return messages.filter((message) => message.subject.startsWith(`${names.startSubjectPrefix}.`))
    .map((message) => decodeStartBatch(message.data));
}

describe("publisher start records", () => {
  test("starts of one window share a message", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    const ids = Array.from({ length: 20 }, () => `req_${crypto.randomUUID()}`);
    // Extra fields on the caller's object (a body here) must not reach the bus.
    publisher.started({ ...startFor(ids[0] as string), body: "secret prompt" } as RequestStart);
    for (const id of ids) publisher.started(startFor(id));
    await publisher.settled(ids.at(-1) as string);

    const messages = await storedMessages(bus.jsm, bus.names);
    expect(messages).toHaveLength(1);
    const [message] = messages as [StoredMessage];
    expect(message.msgID).toMatch(/^node-1:starts:[0-9a-f]{8}-1$/);
    expect(message.subject).toBe(`${bus.names.startSubjectPrefix}.nodes.node-1`);
    expect(message.text).not.toContain("secret prompt");
    const batch = decodeStartBatch(message.data);
    expect(batch.id).toBe(message.msgID as string);
    expect(batch.starts.map((start) => start.requestId)).toEqual(ids);
    expect(batch.starts[0]?.nodeId).toBe("node-1");
    await publisher.close();
  });

  test("start dropped when its final came first", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics());
    const ended = busEvent();
    const running = busEvent();
    publisher.started(startFor(ended.requestId));
    publisher.started(startFor(running.requestId));
    publisher.write(ended);
    await publisher.settled(ended.requestId);
    await publisher.settled(running.requestId);

    const messages = await storedMessages(bus.jsm, bus.names);
    expect(messages).toHaveLength(2);
    expect(messages.filter((message) => message.msgID === ended.requestId)).toHaveLength(1);
    const batches = startBatches(messages, bus.names);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.starts.map((start) => start.requestId)).toEqual([running.requestId]);
    await publisher.close();
  });

  test("full batch leaves before the window", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    // A window no test waits out: only the size cap and `close` publish.
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics(), { startBatchMs: 600_000, startBatchMax: 10 });
    const ids = Array.from({ length: 25 }, () => `req_${crypto.randomUUID()}`);
    for (const id of ids) publisher.started(startFor(id));
    expect(publisher.pending).toBeGreaterThan(0);
    await publisher.settled(ids[19] as string);

    const full = startBatches(await storedMessages(bus.jsm, bus.names), bus.names);
    expect(full.map((batch) => batch.starts.length)).toEqual([10, 10]);
    expect(publisher.pending).toBe(5);

    // Close publishes the starts still waiting, for requests this process may not outlive.
    await publisher.close();
    const all = startBatches(await storedMessages(bus.jsm, bus.names), bus.names);
    expect(all.map((batch) => batch.starts.length)).toEqual([10, 10, 5]);
    expect(new Set(all.map((batch) => batch.id)).size).toBe(3);
    expect(all.flatMap((batch) => batch.starts.map((start) => start.requestId))).toEqual(ids);
  });

  test("settled waits for the acknowledgement", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    // One publish at a time, so the last request's event is the last to be acknowledged.
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
    // Every request ended inside the window, so no start left at all.
    expect((await bus.jsm.streams.info(bus.names.eventStream)).state.messages).toBe(50);
    await publisher.close();
    expect(await publisher.settled(last.requestId)).toBeUndefined();
  });

  test("settled of a started request waits for its batch", async () => {
    bus = await openNatsForTest();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const publisher = await openBusEventPublisher(bus.nc, bus.names, logger,
      createGatewayMetrics(), { startBatchMs: 600_000, settleWaitMs: 60_000 });
    const id = `req_${crypto.randomUUID()}`;
    publisher.started(startFor(id));
    let settled = false;
    const waiting = publisher.settled(id).then(() => {
      settled = true;
    });
    await Bun.sleep(100);
    expect(settled).toBe(false);

    publisher.flushStarts();
    await waiting;
    expect(startBatches(await storedMessages(bus.jsm, bus.names), bus.names)).toHaveLength(1);
    await publisher.close();
  });
});

describe("start batches during a NATS outage", () => {
  test("batch spilled at close, republished under its id", async () => {
    const server = await startThrowawayNats();
    if (server === null) return;
    cleanups.push(() => server.dispose());
    const dataDir = mkdtempSync(join(tmpdir(), "nexus-spill-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const nc = await openNats(server.url, { timeoutMs: 2000 });
    cleanups.push(() => nc.close());
    const names = busNames(`nexus_test_${crypto.randomUUID().slice(0, 8)}`);
    const { logger, lines } = recordingLogger();
    const metrics = createGatewayMetrics();

    const first = await openBusEventPublisher(nc, names, logger, metrics,
      { spill: new SpillFile(dataDir), closeTimeoutMs: 300 });
    await server.stop();
    const ids = [`req_${crypto.randomUUID()}`, `req_${crypto.randomUUID()}`];
    for (const id of ids) first.started(startFor(id));
    await first.close();
    const spilled = lines.filter((line) => line.event === "bus.message_spilled");
    expect(spilled).toHaveLength(1);
    expect(spilled[0]?.message_id).toMatch(/^node-1:starts:/);

    // A start of the older single-record format, as a spill file of an older run contains it.
    const old = `req_${crypto.randomUUID()}`;
    new SpillFile(dataDir).append([{ requestId: old, msgID: `${old}:start`,
      subject: startSubject(names, "acme"), data: encodeStart(startFor(old)) }]);

    // The next boot of the node, with NATS back.
    await server.start();
    const next = await openNats(server.url, { timeoutMs: 2000 });
    cleanups.push(() => next.close());
    const spill = new SpillFile(dataDir);
    const second = await openBusEventPublisher(next, names, logger, metrics, { spill });
    expect(second.republishSpilled(spill)).toBe(2);
    await second.close();

    const messages = await storedMessages(await jetstreamManager(next), names);
    expect(messages.map((message) => message.msgID)).toEqual(
      [spilled[0]?.message_id as string, `${old}:start`]);
    const batches = startBatches(messages, names);
    expect(batches[0]?.starts.map((start) => start.requestId)).toEqual(ids);
    expect(batches[1]?.starts.map((start) => start.requestId)).toEqual([old]);
    expect(await waitFor(() => readdirSync(dataDir).length === 0, 2000)).toBe(true);
  }, 20_000);
});
