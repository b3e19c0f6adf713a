import { afterAll, describe, expect, test } from "bun:test";
import { chatTarget, sendChatRequest } from "../lib/chat-request.ts";
import type { RequestErrorCode, Scenario } from "../lib/chat-request.ts";
import { startMockUpstream } from "../servers/mock-upstream.ts";
import { freePort } from "../lib/wait-ready.ts";

const mock = startMockUpstream({ port: 0, firstByteMs: 0, chunkGapMs: 2, chunks: 5 });

// One server that misbehaves in a different way per path.
const faulty = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/status")) return new Response("overloaded", { status: 503 });
    if (path.startsWith("/slow")) await Bun.sleep(1000);
    if (path.startsWith("/cut")) return new Response("data: {}\n\n");
    return new Response('{"object":"nothing"}');
  },
});

afterAll(() => {
  mock.stop(true);
  faulty.stop(true);
});

const origin = (port: number | undefined) => `http://127.0.0.1:${port}`;
const faultyAt = (path: string) => origin(faulty.port) + path;

describe("sendChatRequest", () => {
  test("json success has no error", async () => {
    const target = chatTarget(origin(mock.port), {}, "m", "json");
    const outcome = await sendChatRequest(target, 5000);
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe(200);
    expect(outcome.firstChunkAt).toBeUndefined();
  });

  test("stream records first chunk before done", async () => {
    const target = chatTarget(origin(mock.port), {}, "m", "stream");
    const outcome = await sendChatRequest(target, 5000);
    expect(outcome.error).toBeUndefined();
    expect(outcome.firstChunkAt).toBeNumber();
    // Six 2 ms gaps follow the first event, so the first chunk is clearly earlier.
    expect(outcome.doneAt - outcome.firstChunkAt!).toBeGreaterThanOrEqual(8);
  });

  test("stream body asks for usage", () => {
    const target = chatTarget("http://127.0.0.1:1", { "x-a": "1" }, "m", "stream");
    const body = JSON.parse(target.init.body) as Record<string, unknown>;
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(target.init.headers["x-a"]).toBe("1");
    expect(target.url).toBe("http://127.0.0.1:1/v1/chat/completions");
  });

  // name, base URL, scenario, expected error code
  const failures: [string, () => string, Scenario, RequestErrorCode][] = [
    ["non-200 status", () => faultyAt("/status"), "json", "http_status"],
    ["slow server", () => faultyAt("/slow"), "json", "timeout"],
    ["stream without DONE", () => faultyAt("/cut"), "stream", "stream_incomplete"],
    ["json without choices", () => faultyAt(""), "json", "invalid_body"],
    ["closed port", () => origin(freePort()), "json", "network"],
  ];
  for (const [name, base, scenario, code] of failures) {
    test(`${name} gives ${code}`, async () => {
      const outcome = await sendChatRequest(chatTarget(base(), {}, "m", scenario), 200);
      expect(outcome.error).toBe(code);
      expect(outcome.detail).toBeString();
    });
  }
});
