import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneCapturedBodies } from "../../../runtime/audit/capture-prune.ts";
import { loadCapturedBodies } from "../../../runtime/audit/capture-read.ts";
import { SqliteCaptureStore } from "../../../runtime/audit/capture-sqlite-store.ts";
import { CaptureWriter } from "../../../runtime/audit/capture-writer.ts";
import { SpillStore } from "../../../runtime/audit/spill-store.ts";
import { SqliteEventStore } from "../../../runtime/audit/sqlite-event-store.ts";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";

const DAY = 86_400_000;
let root: string;
let db: Database;
let store: SqliteEventStore;
let spill: SpillStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "nexus-prune-"));
  db = openEmbeddedDatabase(join(root, "data"));
  store = new SqliteEventStore(db);
  spill = new SpillStore(join(root, "data", "spill"));
});
afterEach(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * Stores an event whose request body is `size` bytes, 100 of them inline: the text repeated,
 * or `z` bytes when no text is given.
 */
async function storeEvent(
  requestId: string, time: number, size: number, text?: string,
): Promise<TrafficEvent> {
  const writer = new CaptureWriter({
    spill, requestId, part: "request", contentType: "application/json", maxInlineBytes: 100,
  });
  const bytes = text === undefined
    ? new Uint8Array(size).fill(0x7a)
    : new TextEncoder().encode(text.repeat(Math.ceil(size / text.length)).slice(0, size));
  writer.write(bytes);
  const request = writer.finish(true);
  const event: TrafficEvent = {
    requestId, clientRequestId: null, time, keyId: "vk_1", org: "acme", project: null,
    route: "/v1/chat/completions", provider: "openai", model: "gpt-test", upstreamModel: null,
    stream: false, status: 200, errorCode: null, latencyMs: 1, ttftMs: null, inputTokens: 1,
    outputTokens: 1, cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null,
    costUsd: null, detail: {},
    capture: { mode: "redacted", request: request.body, response: null, prunedAt: null },
    captureInline: { request: request.inline, response: null },
  };
  await store.insertBatch([event]);
  return event;
}

describe("capture prune", () => {
  test("deletes old bodies and keeps events", async () => {
    const now = Date.now();
    await storeEvent("req_old", now - 40 * DAY, 5000);
    await storeEvent("req_new", now - DAY, 5000);
    const oldSpill = spill.pathOf("req_old.request.body");
    expect(existsSync(oldSpill)).toBe(true);

    const result = pruneCapturedBodies(db, spill, now - 30 * DAY);
    expect(result).toEqual({ events: 1, files: 1 });

    const old = (await store.get("req_old"))!;
    expect(old).toBeDefined();
    expect(old.status).toBe(200);
    expect(old.capture?.prunedAt).toBeNumber();
    expect(old.capture?.request?.spill).toBeNull();
    expect(old.capture?.request?.size).toBe(5000);
    expect(existsSync(oldSpill)).toBe(false);
    const row = db
      .query("SELECT request_body, bodies_kept FROM traffic_events WHERE request_id = ?")
      .get("req_old") as { request_body: unknown; bodies_kept: unknown };
    expect(row.request_body).toBeNull();
    expect(row.bodies_kept).toBeNull();
    const captures = new SqliteCaptureStore(db, spill);
    const loaded = await loadCapturedBodies(captures, "req_old", old.capture!);
    expect(loaded.request?.bytes).toBeNull();

    const kept = (await store.get("req_new"))!;
    const bodies = await loadCapturedBodies(captures, "req_new", kept.capture!);
    expect(bodies.request?.bytes?.byteLength).toBe(5000);
    expect(bodies.request?.problem).toBeNull();
  });

  test("pruned text leaves no bytes on disk", async () => {
    const marker = "prune-marker-7f3a ";
    for (let i = 0; i < 20; i++) {
      await storeEvent(`req_${i}`, Date.now() - 40 * DAY, 2000, marker);
    }
    expect(filesContaining(root, marker).length).toBeGreaterThan(0);

    expect(pruneCapturedBodies(db, spill, Date.now() - 30 * DAY).events).toBe(20);
    expect(filesContaining(root, marker)).toEqual([]);
  });

  test("second run finds nothing", async () => {
    await storeEvent("req_old", Date.now() - 40 * DAY, 10);
    expect(pruneCapturedBodies(db, spill, Date.now() - 30 * DAY).events).toBe(1);
    expect(pruneCapturedBodies(db, spill, Date.now() - 30 * DAY)).toEqual({ events: 0, files: 0 });
  });

  test("more events than one batch", async () => {
    const old = Date.now() - 40 * DAY;
    for (let i = 0; i < 1203; i++) await storeEvent(`req_${i}`, old + i, 10);
    expect(pruneCapturedBodies(db, spill, Date.now()).events).toBe(1203);
  });

  test("tampered size is reported on load", async () => {
    const event = await storeEvent("req_bad", Date.now(), 500);
    const capture = { ...event.capture!, request: { ...event.capture!.request!, size: 499 } };
    const loaded = await loadCapturedBodies(new SqliteCaptureStore(db, spill), "req_bad", capture);
    expect(loaded.request?.problem).toBe("size is 500 bytes, expected 499");
  });
});

/**
 * Files under the folder that contain `needle`. It runs grep in a child process: closing a
 * descriptor of the database file in this process would drop the SQLite locks that the open
 * connection holds on it (POSIX record locks are per process).
 */
function filesContaining(dir: string, needle: string): string[] {
  const result = Bun.spawnSync(["grep", "-rlaF", "--", needle, dir]);
  // grep exits 1 when nothing matched and 2 on an error.
  expect(result.exitCode).toBeLessThan(2);
  return result.stdout.toString().split("\n").filter((line) => line !== "");
}
