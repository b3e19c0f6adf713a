import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { STORE_FAILURE_EVENTS } from "../../runtime/cache/store-outage.ts";
import { valkeyCacheBackends } from "../../services/gateway/src/cache/cache-backends.ts";
import { buildChatCache } from "../../services/gateway/src/cache/chat-cache.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { startThrowawayValkey, type ThrowawayValkey } from "../support/throwaway-valkey.ts";

/**
 * The answer cache on a Valkey of this test's own, killed mid-test: cached requests go on
 * as bypasses answered upstream, quickly, with one log line for the outage.
 */
const CACHE = {
  enabled: true,
  ttlSeconds: 60,
  semantic: { enabled: true, embeddingModel: "embed-test", threshold: 0.95 },
};
/** The most a request may take with the store down; the simulator answers in milliseconds. */
const MAX_OUTAGE_MS = 1_000;

const valkey: ThrowawayValkey | null = await startThrowawayValkey();
let harness: Harness;
let key: string;
/** The request served from the cache just before the kill. */
let warmRequestId: string | null = null;

beforeAll(async () => {
  if (valkey === null) return;
  harness = await startHarness({ extra: () => ({ cache: CACHE }) });
  const { context } = harness.gateway;
  const backends = valkeyCacheBackends(valkey.client, "nexus-outage:", context.logger);
  context.cache = buildChatCache(context.loaded.config.cache, context.catalog, backends,
    context.logger);
  key = await harness.createKey({ org: "acme" });
});
afterAll(async () => {
  await harness?.close();
  await valkey?.close();
});

function chat(content: string, stream = false): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", stream, messages: [{ role: "user", content }] }),
  });
}

function chatCalls(): number {
  return harness.simulator.requests.filter((r) => r.path.endsWith("/chat/completions")).length;
}

describe.skipIf(valkey === null)("cache with Valkey down", () => {
  test("requests bypass the cache", async () => {
    await (await chat("outage prompt")).text();
    const warm = await chat("outage prompt");
    await warm.text();
    expect(warm.headers.get("x-nexus-cache")).toBe("hit");
    warmRequestId = warm.headers.get("x-request-id");
    const callsBefore = chatCalls();

    await valkey!.kill();
    for (const stream of [false, true, false]) {
      const started = performance.now();
      const response = await chat("outage prompt", stream);
      const body = await response.text();
      expect(performance.now() - started).toBeLessThan(MAX_OUTAGE_MS);
      expect(response.status).toBe(200);
      expect(body).toContain("assistant");
      expect(response.headers.get("x-nexus-cache")).toBe("bypass");
      const event = await harness.event(response.headers.get("x-request-id") ?? "");
      expect(event?.detail.cache_bypass_reason).toBe("store_unavailable");
    }
    expect(chatCalls()).toBe(callsBefore + 3);
  });

  test("outage is logged once", () => {
    const unavailable = harness.logs.filter((line) => line.event === "cache.store_unavailable");
    expect(unavailable.length).toBe(1);

    // The hit's served-answer write runs behind its response, so the kill may catch it in
    // flight. Then that write, not the next request's read, is the outage's first failure.
    const first = unavailable[0]!;
    if (first.step === "cache.served_write_failed") {
      expect(first.request_id).toBe(warmRequestId);
    } else {
      expect(first.step).toBe("cache.read_failed");
    }

    // Every later failure of the outage is only counted, whatever its step.
    const storeFailures = harness.logs.filter((line) =>
      STORE_FAILURE_EVENTS.has(String(line.event)));
    expect(storeFailures).toEqual([]);
  });
});
