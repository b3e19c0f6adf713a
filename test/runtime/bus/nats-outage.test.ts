import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { busNames } from "../../../runtime/bus/bus-names.ts";
import { NodeLiveness } from "../../../runtime/bus/node-liveness.ts";
import { openNats } from "../../../runtime/bus/open-nats.ts";
import { SpillFile } from "../../../runtime/bus/spill-file.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { waitFor } from "../../support/nats.ts";
import { busEvent, recordingLogger } from "./support.ts";
import { startThrowawayNats, type ThrowawayNats } from "./throwaway-nats.ts";

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server of this test alone, a connection to it, and a fresh bus prefix. */
async function outageBus(): Promise<{ server: ThrowawayNats; nc: NatsConnection } | null> {
  const server = await startThrowawayNats();
  if (server === null) return null;
  cleanups.push(() => server.dispose());
  const nc = await openNats(server.url, { timeoutMs: 2000 });
  cleanups.push(() => nc.close());
  return { server, nc };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nexus-spill-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function timed(work: Promise<void>): Promise<number> {
  const started = performance.now();
  await work;
  return performance.now() - started;
}

describe("bus publisher during a NATS outage", () => {
  test("responses stop waiting for the ack, logged once per outage", async () => {
    const bus = await outageBus();
    if (bus === null) return;
    const { logger, lines } = recordingLogger();
    const names = busNames(`nexus_test_${crypto.randomUUID().slice(0, 8)}`);
    const publisher = await openBusEventPublisher(bus.nc, names, logger,
      createGatewayMetrics(), { settleWaitMs: 250, closeTimeoutMs: 200 });
    cleanups.push(() => publisher.close());
    await bus.server.stop();

    // Right after the cut the client may not know yet: the wait is capped at 250 ms.
    const first = busEvent();
    publisher.write(first);
    expect(await timed(publisher.settled(first.requestId))).toBeLessThan(1000);

    // Once the client saw the disconnect, responses do not wait at all.
    expect(await waitFor(() => {
      const event = busEvent();
      publisher.write(event);
      return timed(publisher.settled(event.requestId)).then((ms) => ms < 50);
    }, 10_000)).toBe(true);
    const waits = await Promise.all(Array.from({ length: 20 }, () => {
      const event = busEvent();
      publisher.write(event);
      return timed(publisher.settled(event.requestId));
    }));
    expect(Math.max(...waits)).toBeLessThan(100);
    expect(publisher.pending).toBeGreaterThan(20);
    expect(lines.filter((line) => line.event === "bus.settle_wait_cut")).toHaveLength(1);
    expect(publisher.waitsCut).toBeGreaterThan(20);
  }, 20_000);

  test("unpublished events spill at close and publish at the next boot", async () => {
    const bus = await outageBus();
    if (bus === null) return;
    const dataDir = tempDir();
    const { logger, lines } = recordingLogger();
    const metrics = createGatewayMetrics();
    const names = busNames(`nexus_test_${crypto.randomUUID().slice(0, 8)}`);
    const first = await openBusEventPublisher(bus.nc, names, logger, metrics,
      { spill: new SpillFile(dataDir), closeTimeoutMs: 300 });
    await bus.server.stop();
    const events = [busEvent(), busEvent()];
    for (const event of events) first.write(event);
    await first.close();

    expect(lines.filter((line) => line.event === "audit.write_failed")).toHaveLength(0);
    expect(lines.filter((line) => line.event === "bus.message_spilled")).toHaveLength(2);
    expect(readdirSync(dataDir)).toEqual(["unpublished.jsonl"]);

    // The next boot of the node, with NATS back.
    await bus.server.start();
    const nc = await openNats(bus.server.url, { timeoutMs: 2000 });
    cleanups.push(() => nc.close());
    const spill = new SpillFile(dataDir);
    const second = await openBusEventPublisher(nc, names, logger, metrics, { spill });
    expect(second.republishSpilled(spill)).toBe(2);
    await second.close();

    const jsm = await jetstreamManager(nc);
    const ids = [];
    for (let seq = 1; seq <= 2; seq += 1) {
      const stored = await jsm.streams.getMessage(names.eventStream, { seq });
      ids.push(stored?.header.get("Nats-Msg-Id"));
    }
    expect(ids.sort()).toEqual(events.map((event) => event.requestId).sort());
    expect(await waitFor(() => readdirSync(dataDir).length === 0, 2000)).toBe(true);
  }, 20_000);
});

describe("spill file", () => {
  test("keeps messages until done and skips a torn line", () => {
    const dir = tempDir();
    const spill = new SpillFile(dir);
    const data = new TextEncoder().encode("{\"a\":1}");
    spill.append([{ requestId: "req_1", msgID: "req_1", subject: "s.acme", data }]);
    appendFileSync(join(dir, "unpublished.jsonl"), "{\"requestId\":");

    const batch = new SpillFile(dir).take();
    expect(batch.messages).toEqual([{ requestId: "req_1", msgID: "req_1", subject: "s.acme",
      data }]);
    expect(batch.corrupt).toBe(1);
    // Until `done`, a crash before the republish finds the messages again.
    expect(new SpillFile(dir).take().messages).toHaveLength(1);
    batch.done();
    expect(readdirSync(dir)).toEqual([]);
  });

  test("an overflowing queue spills its oldest message", async () => {
    const bus = await outageBus();
    if (bus === null) return;
    const dir = tempDir();
    const { logger, lines } = recordingLogger();
    const names = busNames(`nexus_test_${crypto.randomUUID().slice(0, 8)}`);
    const publisher = await openBusEventPublisher(bus.nc, names, logger,
      createGatewayMetrics(), { spill: new SpillFile(dir), maxInFlight: 1, maxQueued: 1,
        closeTimeoutMs: 100 });
    cleanups.push(() => publisher.close());
    await bus.server.stop();
    const events = [busEvent(), busEvent(), busEvent()];
    for (const event of events) publisher.write(event);

    const spilled = lines.filter((line) => line.event === "bus.message_spilled");
    expect(spilled.map((line) => line.request_id)).toEqual([events[1]?.requestId]);
    expect(new SpillFile(dir).take().messages.map((message) => message.msgID))
      .toEqual([events[1]?.requestId]);
  }, 20_000);
});

describe("writer liveness during a NATS outage", () => {
  test("no node counts as gone while the writer is cut off", async () => {
    const bus = await outageBus();
    if (bus === null) return;
    const { logger } = recordingLogger();
    const liveness = new NodeLiveness({ deadAfterMs: 300 });
    liveness.listen(bus.nc, busNames("nexus_test_liveness"), logger);
    cleanups.push(() => liveness.stop());
    const start = {
      requestId: "req_outage", clientRequestId: null, time: Date.now(), nodeId: "node-x",
      keyId: null, org: null, project: null, route: "/v1/chat/completions", model: null,
      stream: false,
    };
    liveness.heard("node-x");
    await bus.server.stop();
    await Bun.sleep(1000);

    expect(liveness.lostReason(start)).toBeNull();
  }, 20_000);
});
