import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBusEventPublisher } from "../../../runtime/bus/bus-event-publisher.ts";
import { busNames } from "../../../runtime/bus/bus-names.ts";
import { openNats } from "../../../runtime/bus/open-nats.ts";
import {
  SpillFile, SpillFullError, type SpilledMessage,
} from "../../../runtime/bus/spill-file.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import { busEvent, recordingLogger } from "./support.ts";
import { startThrowawayNats } from "./throwaway-nats.ts";

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nexus-spill-cap-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function message(requestId: string, bytes = 100): SpilledMessage {
  return { requestId, msgID: requestId, subject: "s.acme", data: new Uint8Array(bytes) };
}

describe("spill file size cap", () => {
  test("full folder rejects and writes nothing", () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, { maxBytes: 400 });
    spill.append([message("req_1")]);
    const used = spill.usedBytes();
    expect(used).toBeGreaterThan(0);

    expect(() => spill.append([message("req_2"), message("req_3")])).toThrow(SpillFullError);
    expect(spill.usedBytes()).toBe(used);
    expect(new SpillFile(dir).take().messages.map((each) => each.msgID)).toEqual(["req_1"]);
  });

  test("replay files count toward the cap", () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, { maxBytes: 1000 });
    writeFileSync(join(dir, "1-1.replay"), "x".repeat(950));
    writeFileSync(join(dir, "unrelated.txt"), "x".repeat(5000));
    expect(spill.usedBytes()).toBe(950);
    expect(() => spill.append([message("req_1")])).toThrow("is full");
  });

  test("done frees the space", () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, { maxBytes: 300 });
    spill.append([message("req_1")]);
    expect(() => spill.append([message("req_2")])).toThrow(SpillFullError);

    const batch = spill.take();
    batch.done();
    spill.append([message("req_2")]);
    expect(readdirSync(dir)).toEqual(["unpublished.jsonl"]);
  });
});

describe("publisher with a full spill folder", () => {
  test("fails the message, logged and counted", async () => {
    const server = await startThrowawayNats();
    if (server === null) return;
    cleanups.push(() => server.dispose());
    const nc = await openNats(server.url, { timeoutMs: 2000 });
    cleanups.push(() => nc.close());
    const dir = tempDir();
    const { logger, lines } = recordingLogger();
    const metrics = createGatewayMetrics();
    const names = busNames(`nexus_test_${crypto.randomUUID().slice(0, 8)}`);
    const publisher = await openBusEventPublisher(nc, names, logger, metrics, {
      spill: new SpillFile(dir, { maxBytes: 1 }), maxInFlight: 1, maxQueued: 1,
      closeTimeoutMs: 100,
    });
    cleanups.push(() => publisher.close());
    await server.stop();

    // The second event overflows the queue of one, and the spill folder has no room for it.
    const events = [busEvent(), busEvent(), busEvent()];
    for (const event of events) publisher.write(event);

    const failed = lines.filter((line) => line.event === "audit.write_failed");
    expect(failed.map((line) => line.request_id)).toEqual([events[1]?.requestId]);
    expect(String(failed[0]?.error)).toContain("is full");
    expect(lines.some((line) => line.event === "bus.message_spilled")).toBe(false);
    expect((await metrics.auditWriteFailures.get()).values[0]?.value).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  }, 20_000);
});
