import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCapturedBodies } from "../../../runtime/audit/capture-read.ts";
import { SqliteCaptureStore } from "../../../runtime/audit/capture-sqlite-store.ts";
import { type CaptureStore, captureStoreOf } from "../../../runtime/audit/capture-store.ts";
import { CaptureWriter, SPILL_CHUNK_BYTES } from "../../../runtime/audit/capture-writer.ts";
import { SpillStore } from "../../../runtime/audit/spill-store.ts";
import { SqliteEventStore } from "../../../runtime/audit/sqlite-event-store.ts";
import type { EventStore, TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { createLogger } from "../../../runtime/observability/log.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";
import type { PgSpillTarget } from "../../../runtime/storage/postgres/pg-capture-spill.ts";
import { PgEventStore } from "../../../runtime/storage/postgres/pg-event-store.ts";
import { eventually } from "../../support/harness.ts";
import {
  openPostgresForTest, postgresAvailable, type PostgresTestContext,
} from "../../support/postgres.ts";

const DAY = 86_400_000;
const INLINE = 100;

/** An event store and its capture store, as `nexus events` and the gateway open them. */
interface Backend {
  events: EventStore;
  captures: CaptureStore;
  /** The same store over a second connection, as another node would open it. */
  second(): Promise<CaptureStore>;
  close(): Promise<void>;
}

async function openSqlite(): Promise<Backend> {
  const root = mkdtempSync(join(tmpdir(), "nexus-capture-store-"));
  const db = openEmbeddedDatabase(root);
  const spill = new SpillStore(join(root, "spill"));
  const other = openEmbeddedDatabase(root);
  return {
    events: new SqliteEventStore(db),
    captures: new SqliteCaptureStore(db, spill),
    second: async () => new SqliteCaptureStore(other, spill),
    async close() {
      db.close();
      other.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<Backend> {
  const context = await openPostgresForTest();
  if (context === null) throw new Error("PostgreSQL is not reachable");
  const events = new PgEventStore(context.sql);
  return {
    events,
    captures: captureStoreOf(events)!,
    second: async () => captureStoreOf(new PgEventStore(await context.connect()))!,
    close: () => context.close(),
  };
}

const BACKENDS = [
  { name: "sqlite", available: true, open: openSqlite },
  { name: "postgres", available: await postgresAvailable(), open: openPostgres },
];

for (const kind of BACKENDS) {
  describe.skipIf(!kind.available)(`capture store (${kind.name})`, () => {
    let backend: Backend;
    beforeEach(async () => {
      backend = await kind.open();
    });
    afterEach(async () => {
      await backend.close();
    });

    /**
     * Captures a request body of `size` bytes through the store's spill target (INLINE bytes
     * inline), stores its event, and waits until the spill is readable.
     */
    async function storeEvent(requestId: string, time: number, size: number,
      fill = 0x7a): Promise<TrafficEvent> {
      const writer = new CaptureWriter({
        spill: backend.captures.spill, requestId, part: "request",
        contentType: "application/json", maxInlineBytes: INLINE,
      });
      writer.write(new Uint8Array(size).fill(fill));
      const request = writer.finish(true);
      const event: TrafficEvent = {
        requestId, clientRequestId: null, time, keyId: "vk_1", org: "acme", project: null,
        route: "/v1/chat/completions", provider: "openai", model: "gpt-test",
        upstreamModel: null, stream: false, status: 200, errorCode: null, latencyMs: 1,
        ttftMs: null, inputTokens: 1, outputTokens: 1, cachedTokens: null,
        cacheWriteTokens: null, reasoningTokens: null, costUsd: null, detail: {},
        capture: { mode: "redacted", request: request.body, response: null, prunedAt: null },
        captureInline: { request: request.inline, response: null },
      };
      await backend.events.insertBatch([event]);
      const spill = request.body.spill;
      if (spill !== null) {
        await eventually(async () =>
          (await backend.captures.readSpill(spill))?.byteLength === size - INLINE || undefined);
      }
      return event;
    }

    test("large body reassembles from its row and its spill", async () => {
      const event = await storeEvent("req_big", Date.now(), 200_000, 0x61);
      expect(event.capture!.request!.spill).not.toBeNull();
      const stored = (await backend.events.get("req_big"))!;

      const bodies = await loadCapturedBodies(backend.captures, "req_big", stored.capture!);
      expect(bodies.request!.problem).toBeNull();
      expect(bodies.request!.bytes).toEqual(new Uint8Array(200_000).fill(0x61));
    });

    test("another connection reads the same bodies", async () => {
      await storeEvent("req_shared", Date.now(), 5000);
      const stored = (await backend.events.get("req_shared"))!;
      const other = await backend.second();
      const bodies = await loadCapturedBodies(other, "req_shared", stored.capture!);
      expect(bodies.request!.problem).toBeNull();
      expect(bodies.request!.bytes!.byteLength).toBe(5000);
    });

    test("prune clears old bodies, keeps events and marks them pruned", async () => {
      const now = Date.now();
      const old = await storeEvent("req_old", now - 40 * DAY, 5000);
      await storeEvent("req_new", now - DAY, 5000);

      expect(await backend.captures.prune(now - 30 * DAY)).toEqual({ events: 1, files: 1 });

      const pruned = (await backend.events.get("req_old"))!;
      expect(pruned.status).toBe(200);
      expect(pruned.capture!.prunedAt).toBeNumber();
      expect(pruned.capture!.request).toMatchObject({ size: 5000, inlineBytes: 0, spill: null });
      expect(pruned.capture!.request!.sha256).toBe(old.capture!.request!.sha256);
      expect(pruned.capture!.response).toBeNull();
      expect(await backend.captures.readInline("req_old"))
        .toEqual({ request: null, response: null });
      expect(await backend.captures.readSpill(old.capture!.request!.spill!)).toBeNull();
      const loaded = await loadCapturedBodies(backend.captures, "req_old", pruned.capture!);
      expect(loaded.request).toMatchObject({ bytes: null, problem: "deleted by retention" });

      const kept = (await backend.events.get("req_new"))!;
      expect(kept.capture!.prunedAt).toBeNull();
      const bodies = await loadCapturedBodies(backend.captures, "req_new", kept.capture!);
      expect(bodies.request!.bytes!.byteLength).toBe(5000);
      expect(bodies.request!.problem).toBeNull();
    });

    test("second prune finds nothing", async () => {
      await storeEvent("req_old", Date.now() - 40 * DAY, 10);
      expect((await backend.captures.prune(Date.now() - 30 * DAY)).events).toBe(1);
      expect(await backend.captures.prune(Date.now() - 30 * DAY))
        .toEqual({ events: 0, files: 0 });
    });

    test("two prunes at once clear each event once", async () => {
      const old = Date.now() - 40 * DAY;
      for (let i = 0; i < 30; i++) await storeEvent(`req_${i}`, old + i, 300);
      const other = await backend.second();
      const cutoff = Date.now() - 30 * DAY;
      const results = await Promise.all([backend.captures.prune(cutoff), other.prune(cutoff)]);
      expect(results[0]!.events + results[1]!.events).toBe(30);
      expect(results[0]!.files + results[1]!.files).toBe(30);
    });

    test("more events than one batch", async () => {
      const old = Date.now() - 40 * DAY;
      const writer = (requestId: string) => {
        const capture = new CaptureWriter({
          spill: backend.captures.spill, requestId, part: "request",
          contentType: "application/json", maxInlineBytes: INLINE,
        });
        capture.write(new Uint8Array(10).fill(0x7a));
        return capture.finish(true);
      };
      const events: TrafficEvent[] = [];
      for (let i = 0; i < 1203; i++) {
        const request = writer(`req_${i}`);
        events.push({
          ...storeTemplate(), requestId: `req_${i}`, time: old + i,
          capture: { mode: "redacted", request: request.body, response: null, prunedAt: null },
          captureInline: { request: request.inline, response: null },
        });
      }
      await backend.events.insertBatch(events);
      expect((await backend.captures.prune(Date.now())).events).toBe(1203);
    });

    test("prune deletes a spill whose event was never stored", async () => {
      const writer = new CaptureWriter({
        spill: backend.captures.spill, requestId: "req_lost", part: "response",
        contentType: "text/event-stream", maxInlineBytes: 0,
      });
      writer.write(new Uint8Array(70_000).fill(0x62));
      const { body } = writer.finish(false);
      await eventually(async () =>
        (await backend.captures.readSpill(body.spill!))?.byteLength === 70_000 || undefined);

      // Spills are swept by their own age: a cutoff in the future covers this one.
      const result = await backend.captures.prune(Date.now() + 1000);
      expect(result).toEqual({ events: 0, files: 1 });
      expect(await backend.captures.readSpill(body.spill!)).toBeNull();
    });

    test("a discarded capture leaves no spill", async () => {
      const writer = new CaptureWriter({
        spill: backend.captures.spill, requestId: "req_dropped", part: "request",
        contentType: "application/json", maxInlineBytes: 0,
      });
      writer.write(new Uint8Array(70_000).fill(0x63));
      writer.discard();
      await Bun.sleep(200);
      expect(await backend.captures.prune(Date.now() + 1000)).toEqual({ events: 0, files: 0 });
    });
  });
}

describe.skipIf(!BACKENDS[1]!.available)("PostgreSQL spill drain", () => {
  let context: PostgresTestContext;
  let spills: PgSpillTarget;
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>));

  beforeEach(async () => {
    context = (await openPostgresForTest())!;
    spills = new PgEventStore(context.sql).captures.spill;
    logs.length = 0;
  });
  afterEach(async () => {
    await context.close();
  });

  /**
   * Captures `chunks` spill chunks of one body, each flushed in its own burst so that each
   * becomes one INSERT chained after the one before, and finishes the capture.
   */
  async function captureInChunks(requestId: string, chunks: number): Promise<string> {
    const writer = new CaptureWriter({
      spill: spills, requestId, part: "response",
      contentType: "text/event-stream", maxInlineBytes: 0,
    });
    for (let i = 0; i < chunks; i++) {
      writer.write(new Uint8Array(SPILL_CHUNK_BYTES).fill(0x61 + i));
      // Lets the spill schedule this chunk's INSERT before the next chunk arrives.
      await Promise.resolve();
    }
    return writer.finish(true).body.spill!;
  }

  async function storedChunks(spill: string): Promise<number> {
    const [row] = await context.sql<{ chunks: number }[]>`
      SELECT count(*)::int AS chunks FROM capture_spill_chunks WHERE spill = ${spill}`;
    return row!.chunks;
  }

  test("drain waits for every chunk's INSERT", async () => {
    const spill = await captureInChunks("req_drain", 5);
    expect(spills.unsettled).toBe(1);

    await spills.drain({ logger });
    expect(await storedChunks(spill)).toBe(5);
    expect(spills.unsettled).toBe(0);
    expect(logs).toEqual([]);
  });

  test("drain times out and logs spills", async () => {
    // A transaction holding the table's lock stalls every INSERT until it ends.
    const locker = await context.connect();
    let unlock = () => {};
    const unlocked = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const transaction = locker.begin(async (tx) => {
      await tx`LOCK TABLE capture_spill_chunks IN ACCESS EXCLUSIVE MODE`;
      locked();
      await unlocked;
    });
    await lockTaken;

    const spill = await captureInChunks("req_stalled", 3);
    await spills.drain({ logger, timeoutMs: 200 });
    expect(spills.unsettled).toBe(1);
    expect(logs.length).toBe(1);
    expect(logs[0]!.event).toBe("capture.spill_drain_timed_out");
    expect(logs[0]!.spills).toBe(1);
    expect(logs[0]!.request_ids).toBe("req_stalled");

    unlock();
    await transaction;
    await spills.drain({ logger });
    expect(await storedChunks(spill)).toBe(3);
    expect(spills.unsettled).toBe(0);
  });

  test("drain with no spills resolves", async () => {
    await spills.drain({ logger });
    expect(spills.unsettled).toBe(0);
    expect(logs).toEqual([]);
  });
});

/** The fields of a stored event that the batch test does not vary. */
function storeTemplate(): Omit<TrafficEvent, "requestId" | "time"> {
  return {
    clientRequestId: null, keyId: "vk_1", org: "acme", project: null,
    route: "/v1/chat/completions", provider: "openai", model: "gpt-test", upstreamModel: null,
    stream: false, status: 200, errorCode: null, latencyMs: 1, ttftMs: null, inputTokens: 1,
    outputTokens: 1, cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null,
    costUsd: null, detail: {},
  };
}
