import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8" };

/** A `message_start` reporting 1000 fresh and 5000 cached input tokens. */
const EXPENSIVE_START = {
  type: "message_start",
  message: {
    id: "msg_acct", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929",
    content: [], stop_reason: null, stop_sequence: null,
    usage: { input_tokens: 1000, cache_read_input_tokens: 5000, output_tokens: 1 },
  },
};
const TEXT_START = {
  type: "content_block_start", index: 0, content_block: { type: "text", text: "" },
};
const TEXT_DELTA = {
  type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Partial answer" },
};
const OVERLOADED = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };

function sse(events: { type: string }[]): string {
  return events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
}

function post(path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const routes = [
  { path: "/v1/chat/completions", body: { model: "claude-test", stream: true,
    messages: [{ role: "user", content: "hi" }] } },
  { path: "/v1/messages", body: { model: "claude-test", stream: true, max_tokens: 64,
    messages: [{ role: "user", content: "hi" }] } },
];

describe("usage of streams that fail", () => {
  for (const route of routes) {
    test(`${route.path} keeps reported input usage`, async () => {
      const body = sse([EXPENSIVE_START, TEXT_START, TEXT_DELTA, OVERLOADED]);
      harness.simulator.enqueue({ status: 200, body, headers: SSE_HEADERS });
      const response = await post(route.path, route.body);
      expect(response.status).toBe(200);
      await response.text();
      const event = await harness.event(response.headers.get("x-request-id") ?? "");
      expect(event?.inputTokens).toBe(6000);
      expect(event?.cachedTokens).toBe(5000);
      expect(event?.outputTokens).toBeGreaterThanOrEqual(1);
      expect(event?.detail.usage_estimated).toBe(true);
      expect(event?.costUsd).toBeGreaterThan(0.004);
    });

    test(`${route.path} error before any event bills nothing`, async () => {
      harness.simulator.enqueue({ status: 200, body: sse([OVERLOADED]), headers: SSE_HEADERS });
      const response = await post(route.path, route.body);
      expect(response.status).toBeGreaterThanOrEqual(500);
      await response.text();
      const event = await harness.event(response.headers.get("x-request-id") ?? "");
      expect(event?.inputTokens).toBeNull();
      expect(event?.costUsd).toBeNull();
    });
  }
});

describe("relayed Anthropic events", () => {
  test("event type with a line break is rejected", async () => {
    const injected = { type: "x\n\nevent: content_block_delta\ndata: {}\n\nevent: y" };
    const body = sse([EXPENSIVE_START]) + `event: x\ndata: ${JSON.stringify(injected)}\n\n`;
    harness.simulator.enqueue({ status: 200, body, headers: SSE_HEADERS });
    const response = await post("/v1/messages", routes[1]?.body ?? {});
    const text = await response.text();
    expect(text).not.toMatch(/^event: content_block_delta$/m);
    expect(text).toContain("event: error");
    expect(text).toContain("upstream_invalid_response");
  });

  test("provider 503 stays 503", async () => {
    const error = { type: "error", error: { type: "api_error", message: "unavailable" } };
    harness.simulator.enqueue({ status: 503, body: JSON.stringify(error) });
    const response = await post("/v1/messages", { ...routes[1]?.body, stream: false });
    expect(response.status).toBe(503);
  });
});

describe("upstream connections", () => {
  for (const route of routes) {
    test(`${route.path} finished stream is not a disconnect`, async () => {
      const before = harness.simulator.disconnects;
      const response = await post(route.path, route.body);
      expect(response.status).toBe(200);
      await response.text();
      await Bun.sleep(100);
      expect(harness.simulator.disconnects).toBe(before);
    });
  }

  test("aborted stream is still a disconnect", async () => {
    harness.simulator.enqueue({ hangAfterEvents: 3 });
    const before = harness.simulator.disconnects;
    const controller = new AbortController();
    const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(routes[0]?.body),
      signal: controller.signal,
    });
    await response.body?.getReader().read();
    controller.abort();
    await eventually(() => (harness.simulator.disconnects > before ? true : undefined));
  });
});
