import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { BACKENDS, type StoreBackend } from "../support/store-backends.ts";

const NOW = Date.now();

function event(requestId: string, partial: Partial<TrafficEvent> = {}): TrafficEvent {
  return {
    requestId, clientRequestId: null, time: NOW, keyId: "key_a", org: "acme", project: null,
    route: "/v1/chat/completions", provider: "openai", model: "gpt-test",
    upstreamModel: "gpt-4o-mini", stream: false, status: 200, errorCode: null, latencyMs: 12.5,
    ttftMs: null, inputTokens: 10, outputTokens: 20, cachedTokens: 0, cacheWriteTokens: null,
    reasoningTokens: null, costUsd: 0.000125, detail: {}, ...partial,
  };
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`event store (${backend.name})`, () => {
    let stores: StoreBackend;
    beforeEach(async () => {
      stores = await backend.open();
    });
    afterEach(async () => {
      await stores.close();
    });

    test("event reads back whole", async () => {
      const stored = event("req_1", {
        clientRequestId: "client-1", stream: true, ttftMs: 3.25, reasoningTokens: 4,
        detail: { hooks: [{ stage: "pii", verdict: "flag" }], upstream_status: 200 },
        capture: {
          mode: "redacted", prunedAt: null, response: null,
          request: { size: 5, contentType: "application/json", sha256: "ab", spill: null,
            complete: true },
        } as unknown as TrafficEvent["capture"],
        captureInline: { request: new TextEncoder().encode("hello"), response: null },
      });
      expect(await stores.events.insertBatch([stored])).toBe(1);

      const { captureInline: _inline, ...expected } = stored;
      expect(await stores.events.get("req_1")).toEqual(expected);
      expect(await stores.events.get("req_none")).toBeUndefined();
    });

    test("retried batch writes nothing twice", async () => {
      const batch = [event("req_1"), event("req_2"), event("req_3")];
      expect(await stores.events.insertBatch(batch)).toBe(3);
      expect(await stores.events.insertBatch(batch)).toBe(0);
      expect(await stores.events.insertBatch([...batch, event("req_4")])).toBe(1);
      const ids = (await stores.events.list({ limit: 100 })).map((e) => e.requestId).sort();
      expect(ids).toEqual(["req_1", "req_2", "req_3", "req_4"]);
    });

    test("final event replaces a gateway_lost record", async () => {
      const lost = event("req_lost", {
        status: 502, errorCode: "gateway_lost", provider: null, time: NOW - 86_400_000,
      });
      expect(await stores.events.insertBatch([lost])).toBe(1);
      // A second lost record and a retried final event each change nothing more.
      expect(await stores.events.insertBatch([lost])).toBe(0);
      const final = event("req_lost", { status: 200, outputTokens: 7 });
      expect(await stores.events.insertBatch([final])).toBe(1);
      expect(await stores.events.insertBatch([final, { ...final, status: 500 }])).toBe(0);
      expect(await stores.events.insertBatch([lost])).toBe(0);

      const rows = (await stores.events.list({ limit: 100 }))
        .filter((stored) => stored.requestId === "req_lost");
      expect(rows.map((stored) => [stored.status, stored.errorCode])).toEqual([[200, null]]);
    });

    test("repeated id within a batch", async () => {
      const first = event("req_1", { status: 200 });
      const second = event("req_1", { status: 500 });
      expect(await stores.events.insertBatch([first, second])).toBe(1);
      expect((await stores.events.get("req_1"))?.status).toBe(200);
    });

    test("concurrent retries store each once", async () => {
      const other = await stores.connect();
      const batch = Array.from({ length: 200 }, (_, i) => event(`req_${i}`));
      const written = await Promise.all([
        stores.events.insertBatch(batch),
        other.events.insertBatch(batch),
        stores.events.insertBatch(batch.slice(50, 150)),
        other.events.insertBatch(batch.slice(100)),
      ]);
      expect(written.reduce((sum, n) => sum + n, 0)).toBe(200);
      expect(await stores.events.list({ limit: 1000 })).toHaveLength(200);
    });

    test("list filters and orders", async () => {
      await stores.events.insertBatch([
        event("req_old", { time: NOW - 3_000, keyId: "key_b" }),
        event("req_mid", { time: NOW - 2_000, org: "globex", clientRequestId: "c-1" }),
        event("req_new", { time: NOW - 1_000 }),
      ]);
      const ids = async (filter: Parameters<typeof stores.events.list>[0]) =>
        (await stores.events.list(filter)).map((e) => e.requestId);

      expect(await ids({ limit: 10 })).toEqual(["req_new", "req_mid", "req_old"]);
      expect(await ids({ limit: 2 })).toEqual(["req_new", "req_mid"]);
      expect(await ids({ limit: 10, keyId: "key_b" })).toEqual(["req_old"]);
      expect(await ids({ limit: 10, org: "globex" })).toEqual(["req_mid"]);
      expect(await ids({ limit: 10, clientRequestId: "c-1" })).toEqual(["req_mid"]);
      expect(await ids({ limit: 10, since: NOW - 2_000 })).toEqual(["req_new", "req_mid"]);
    });
  });
}
