import { describe, expect, test } from "bun:test";
import {
  expectCoalesced,
  expectHitFree,
  expectNotStored,
  expectStreamReplay,
  withoutIds,
} from "../support/cache-answers.ts";
import { type CacheRequestOptions, useCacheHarness } from "../support/cache-harness.ts";
import type { Harness } from "../support/harness.ts";

let harness: Harness;
let key: string;

useCacheHarness(async (started) => {
  harness = started;
  key = await harness.createKey({ name: "messages-cached" });
});

function messages(content: string, options: CacheRequestOptions = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json", ...options.headers },
    body: JSON.stringify({
      model: options.model ?? "claude-test",
      max_tokens: 64,
      stream: options.stream ?? false,
      messages: [{ role: "user", content }],
      ...options.extra,
    }),
  });
}

function upstreamCalls(): number {
  return harness.simulator.requests.length;
}

async function event(response: Response) {
  const found = await harness.event(response.headers.get("x-request-id") ?? "");
  expect(found).toBeDefined();
  return found!;
}

describe.each([
  ["passthrough", "claude-test"],
  ["translated", "gpt-test"],
])("messages cache %s", (_path, model) => {
  test("JSON hit serves same message", async () => {
    const first = await messages(`json ${model}`, { model });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    const firstBody = await first.json();

    const second = await messages(`json ${model}`, { model });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    expect(second.headers.get("request-id")).toBe(second.headers.get("x-request-id"));
    const secondBody = await second.json();
    if (model === "claude-test") {
      expect(secondBody).toEqual(firstBody);
    } else {
      // A translated answer mints its message id per serve; all else is the same.
      expect(withoutIds(secondBody)).toEqual(withoutIds(firstBody));
    }
    expect(secondBody.type).toBe("message");
    expect(secondBody.model).toBe(model);
    expect(upstreamCalls()).toBe(1);
  });

  test("hit costs nothing", async () => {
    const miss = await messages(`cost ${model}`, { model });
    await miss.json();
    const hit = await messages(`cost ${model}`, { model });
    await hit.json();

    await expectHitFree(harness, miss, hit);
  });

  test("stream replays same events", async () => {
    // A relayed stream replays the provider's events as they were, ids included. A translated
    // stream mints its message id per serve.
    await expectStreamReplay(harness, () => messages(`stream ${model}`, { model, stream: true }),
      { first: "message_start", last: "message_stop" }, model === "claude-test");
  });

  test("JSON answer does not serve stream", async () => {
    await (await messages(`mode ${model}`, { model })).json();
    const streamed = await messages(`mode ${model}`, { model, stream: true });
    expect(streamed.headers.get("x-nexus-cache")).toBe("miss");
    await streamed.text();
    expect(upstreamCalls()).toBe(2);
  });
});

describe("messages cache controls", () => {
  test("no-store bypasses", async () => {
    const headers = { "cache-control": "no-store" };
    const first = await messages("no-store", { headers });
    expect(first.headers.get("x-nexus-cache")).toBe("bypass");
    await first.json();
    const second = await messages("no-store", { headers });
    expect(second.headers.get("x-nexus-cache")).toBe("bypass");
    await second.json();
    const plain = await messages("no-store");
    expect(plain.headers.get("x-nexus-cache")).toBe("miss");
    await plain.json();
    expect(upstreamCalls()).toBe(3);
    expect((await event(first)).detail.cache_bypass_reason).toBe("no-store");
  });

  test("no-cache skips read but writes", async () => {
    const headers = { "cache-control": "no-cache" };
    await (await messages("no-cache")).json();
    const fresh = await messages("no-cache", { headers });
    expect(fresh.headers.get("x-nexus-cache")).toBe("miss");
    await fresh.json();
    const again = await messages("no-cache");
    expect(again.headers.get("x-nexus-cache")).toBe("hit");
    await again.json();
    expect(upstreamCalls()).toBe(2);
  });

  test("key setting opts out", async () => {
    const optedOut = await harness.createKey({ name: "messages-off", settings: { cache: false } });
    const send = () => fetch(`${harness.gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": optedOut, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-test", max_tokens: 64,
        messages: [{ role: "user", content: "opted out" }] }),
    });
    const first = await send();
    await first.json();
    const second = await send();
    expect(second.headers.get("x-nexus-cache")).toBe("bypass");
    await second.json();
    expect(upstreamCalls()).toBe(2);
  });
});

describe("messages cache key", () => {
  const base = { system: "Be brief.", temperature: 0.5 };
  const variants: [string, Record<string, unknown>][] = [
    ["system", { system: "Be verbose." }],
    ["max_tokens", { max_tokens: 65 }],
    ["temperature", { temperature: 0.7 }],
    ["top_p", { top_p: 0.9 }],
    ["top_k", { top_k: 5 }],
    ["stop_sequences", { stop_sequences: ["END"] }],
    ["thinking", { thinking: { type: "enabled", budget_tokens: 1024 } }],
    ["tools", { tools: [{ name: "lookup", input_schema: { type: "object" } }] }],
    ["tool_choice", { tool_choice: { type: "any" } }],
    ["model", { model: "claude" }],
  ];

  test.each(variants)("differing %s misses", async (_field, change) => {
    const content = `key ${_field}`;
    await (await messages(content, { extra: base })).json();
    const changed = await messages(content, { extra: { ...base, ...change } });
    expect(changed.headers.get("x-nexus-cache")).toBe("miss");
    await changed.text();
    expect(upstreamCalls()).toBe(2);
  });

  test("differing beta header misses", async () => {
    await (await messages("beta header")).json();
    const beta = await messages("beta header", { headers: { "anthropic-beta": "some-beta" } });
    expect(beta.headers.get("x-nexus-cache")).toBe("miss");
    await beta.text();
    expect(upstreamCalls()).toBe(2);
  });

  test("differing metadata still hits", async () => {
    const first = await messages("metadata", { extra: { metadata: { user_id: "alice" } } });
    await first.json();
    const second = await messages("metadata", { extra: { metadata: { user_id: "bob" } } });
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    await second.json();
    expect(upstreamCalls()).toBe(1);
  });

  test("chat answer never serves messages", async () => {
    const chat = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "cross" }] }),
    });
    expect(chat.headers.get("x-nexus-cache")).toBe("miss");
    await chat.json();
    const translated = await messages("cross", { model: "gpt-test" });
    expect(translated.headers.get("x-nexus-cache")).toBe("miss");
    expect((await translated.json()).type).toBe("message");
    expect(upstreamCalls()).toBe(2);
  });
});

describe("messages cache report", () => {
  test("report by request id removes and blocks", async () => {
    await (await messages("reported")).json();
    const hit = await messages("reported");
    expect(hit.headers.get("x-nexus-cache")).toBe("hit");
    await hit.json();

    const report = await fetch(`${harness.gateway.url}/v1/cache/report`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ request_id: hit.headers.get("x-request-id") }),
    });
    expect(report.status).toBe(200);
    expect((await report.json()).removed).toBe(1);

    const after = await messages("reported");
    expect(after.headers.get("x-nexus-cache")).toBe("miss");
    await after.json();
    const blocked = await messages("reported");
    expect(blocked.headers.get("x-nexus-cache")).toBe("miss");
    await blocked.json();
    expect(upstreamCalls()).toBe(3);
  });
});

describe("messages cache not stored", () => {
  test("error is not cached", async () => {
    await expectNotStored(harness, { status: 500 }, () => messages("error once"));
  });

  test("refusal is not cached", async () => {
    const refusal = {
      id: "msg_refusal", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929",
      content: [{ type: "text", text: "I can't help with that." }],
      stop_reason: "refusal", stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 5 },
    };
    const text = await expectNotStored(harness, { status: 200, body: refusal },
      () => messages("refused once"));
    expect(JSON.parse(text).stop_reason).toBe("refusal");
  });

  test("refused stream is not cached", async () => {
    const frames = [
      ["message_start", { type: "message_start", message: { id: "msg_r", type: "message",
        role: "assistant", model: "m", content: [], stop_reason: null,
        usage: { input_tokens: 3, output_tokens: 0 } } }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "refusal" },
        usage: { output_tokens: 1 } }],
      ["message_stop", { type: "message_stop" }],
    ].map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
    const fault = { status: 200, body: frames, headers: { "content-type": "text/event-stream" } };
    const text = await expectNotStored(harness, fault,
      () => messages("refused stream", { stream: true }));
    expect(text).toContain("refusal");
  });

  test("cut stream is not cached", async () => {
    const text = await expectNotStored(harness, { cutAfterEvents: 3 },
      () => messages("cut stream", { stream: true }));
    expect(text).toContain("event: error");
  });
});

describe("messages coalescing", () => {
  test.each([false, true])("coalesces 20 requests (stream %p)", async (stream) => {
    harness.simulator.enqueue({ latencyMs: 300, interChunkDelayMs: 10, sticky: true });
    const body = await expectCoalesced(harness, 20,
      () => messages(`coalesce ${stream}`, { stream }));
    expect(body).toContain(stream ? "event: message_stop" : '"type":"message"');
  });

  test("leaving waiter does not cancel others", async () => {
    harness.simulator.enqueue({ latencyMs: 300, interChunkDelayMs: 10, sticky: true });
    const leaving = new AbortController();
    const left = fetch(`${harness.gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-test", max_tokens: 64, stream: true,
        messages: [{ role: "user", content: "coalesce leave" }] }),
      signal: leaving.signal,
    }).then((response) => response.text()).catch((error: unknown) => error);
    await Bun.sleep(50);
    const stayed = messages("coalesce leave", { stream: true });
    await Bun.sleep(50);
    leaving.abort();

    const response = await stayed;
    expect(response.headers.get("x-nexus-cache")).toBe("miss");
    expect(await response.text()).toContain("event: message_stop");
    expect(await left).toBeInstanceOf(Error);
    expect(upstreamCalls()).toBe(1);
  });
});
