import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteEventStore } from "../../runtime/audit/sqlite-event-store.ts";
import type { EventStore } from "../../runtime/audit/traffic-event.ts";
import type { OpenRequestStore } from "../../runtime/bus/open-requests.ts";
import type { RequestStart } from "../../runtime/bus/request-start.ts";
import { SqliteOpenRequests } from "../../runtime/bus/sqlite-open-requests.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { PgEventStore } from "../../runtime/storage/postgres/pg-event-store.ts";
import { PgOpenRequests } from "../../runtime/storage/postgres/pg-open-requests.ts";
import { busEvent } from "../runtime/bus/support.ts";
import { openPostgresForTest, postgresAvailable } from "../support/postgres.ts";

interface Backend {
  events: EventStore;
  open: OpenRequestStore;
  close(): Promise<void>;
}

const BACKENDS: { name: string; available: boolean; open(): Promise<Backend> }[] = [
  {
    name: "sqlite",
    available: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "nexus-open-"));
      const db = openEmbeddedDatabase(dir);
      return {
        events: new SqliteEventStore(db),
        open: new SqliteOpenRequests(db),
        async close() {
          db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "postgres",
    available: await postgresAvailable(),
    async open() {
      const context = await openPostgresForTest();
      if (context === null) throw new Error("PostgreSQL is not reachable");
      return {
        events: new PgEventStore(context.sql),
        open: new PgOpenRequests(context.sql),
        close: () => context.close(),
      };
    },
  },
];

function start(overrides: Partial<RequestStart> = {}): RequestStart {
  return {
    requestId: `req_${crypto.randomUUID()}`, clientRequestId: null, time: Date.now(),
    nodeId: "node-1", keyId: "key_1", org: "acme", project: null,
    route: "/v1/chat/completions", model: "gpt-test", stream: true, ...overrides,
  };
}

for (const kind of BACKENDS) {
  describe.skipIf(!kind.available)(`open requests (${kind.name})`, () => {
    let backend: Backend | null = null;
    afterEach(async () => {
      await backend?.close();
      backend = null;
    });

    test("keeps each start once, oldest first", async () => {
      backend = await kind.open();
      const older = start({ time: Date.now() - 5000 });
      const newer = start();
      expect(await backend.open.open([newer, older])).toBe(2);
      expect(await backend.open.open([newer])).toBe(0);
      expect(await backend.open.list(10)).toEqual([older, newer]);
      expect(await backend.open.list(1)).toEqual([older]);
    });

    test("skips start whose event is stored", async () => {
      backend = await kind.open();
      const event = busEvent();
      await backend.events.insertBatch([event]);
      const late = start({ requestId: event.requestId });
      expect(await backend.open.open([late])).toBe(0);
      expect(await backend.open.list(10)).toEqual([]);
    });

    test("batch keeps only starts without an event", async () => {
      backend = await kind.open();
      const ended = busEvent();
      await backend.events.insertBatch([ended]);
      const running = start();
      // One batch message carries starts of requests that already ended and of running ones.
      const batch = [start({ requestId: ended.requestId }), running];
      expect(await backend.open.open(batch)).toBe(1);
      expect(await backend.open.list(10)).toEqual([running]);
    });

    test("close and list delete finished entries", async () => {
      backend = await kind.open();
      const closed = start();
      const raced = start();
      const kept = start();
      await backend.open.open([closed, raced, kept]);
      await backend.open.close([closed.requestId]);
      // The final of `raced` committed without closing its entry, as after a writer crash.
      await backend.events.insertBatch([busEvent({ requestId: raced.requestId })]);
      expect(await backend.open.list(10)).toEqual([kept]);
    });
  });
}
