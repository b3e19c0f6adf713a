import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteEventStore } from "../../../runtime/audit/sqlite-event-store.ts";
import type { TrafficEvent } from "../../../runtime/audit/traffic-event.ts";
import { createLogger, type Logger } from "../../../runtime/observability/log.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";

/** A traffic event with a fresh request id unless `overrides` sets one. */
export function busEvent(overrides: Partial<TrafficEvent> = {}): TrafficEvent {
  return {
    requestId: `req_${crypto.randomUUID()}`, clientRequestId: null, time: Date.now(),
    keyId: "key_1", org: "acme", project: null, route: "/v1/chat/completions",
    provider: "openai", model: "gpt-test", upstreamModel: "gpt-test", stream: false,
    status: 200, errorCode: null, latencyMs: 5, ttftMs: null, inputTokens: 3, outputTokens: 4,
    cachedTokens: null, cacheWriteTokens: null, reasoningTokens: null, costUsd: 0.0001,
    detail: {}, ...overrides,
  };
}

/** The embedded event store in a temporary data folder, removed by `close`. */
export interface TempEventStore {
  dataDir: string;
  db: Database;
  store: SqliteEventStore;
  /** Rows in the traffic event table. */
  count(): number;
  close(): void;
}

export function openTempEventStore(): TempEventStore {
  const dataDir = mkdtempSync(join(tmpdir(), "nexus-bus-"));
  const db = openEmbeddedDatabase(dataDir);
  return {
    dataDir,
    db,
    store: new SqliteEventStore(db),
    count: () => db.query<{ n: number }, []>("SELECT count(*) AS n FROM traffic_events")
      .get()?.n ?? 0,
    close() {
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps every line as a parsed object. */
export function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger((line) => lines.push(JSON.parse(line))), lines };
}
