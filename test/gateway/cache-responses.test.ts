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
  key = await harness.createKey({ name: "responses-cached" });
});

function responses(input: string, options: CacheRequestOptions = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/responses`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...options.headers,
    },
    body: JSON.stringify({
      model: options.model ?? "gpt-test",
      stream: options.stream ?? false,
      input,
      ...options.extra,
    }),
  });
}

function upstreamCalls(): number {
  return harness.simulator.requests.length;
}

describe.each([
  ["passthrough", "gpt-test"],
  ["translated", "claude-test"],
])("responses cache %s", (path, model) => {
  test("JSON hit serves same response", async () => {
    const first = await responses(`json ${model}`, { model });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-nexus-cache")).toBe("miss");
    const firstText = await first.text();

    const second = await responses(`json ${model}`, { model });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-nexus-cache")).toBe("hit");
    const secondText = await second.text();
    expect(upstreamCalls()).toBe(1);
    const body = JSON.parse(secondText) as Record<string, unknown>;
    expect(body.object).toBe("response");
    expect(body.model).toBe(model);
    if (path === "passthrough") {
      // A relayed answer is served as the provider's bytes, ids included.
      expect(secondText).toBe(firstText);
    } else {
      expect(withoutIds(body)).toEqual(withoutIds(JSON.parse(firstText)));
    }
  });

  test("hit costs nothing", async () => {
    const miss = await responses(`cost ${model}`, { model });
    await miss.text();
    const hit = await responses(`cost ${model}`, { model });
    await hit.text();

    await expectHitFree(harness, miss, hit);
  });

  test("stream replays same events", async () => {
    // A translated stream mints its response and item ids per serve.
    await expectStreamReplay(harness, () => responses(`stream ${model}`, { model, stream: true }),
      { first: "response.created", last: "response.completed" }, path === "passthrough");
  });
});

describe("responses cache controls", () => {
  test("no-store bypasses", async () => {
    const headers = { "cache-control": "no-store" };
    const first = await responses("no-store", { headers });
    expect(first.headers.get("x-nexus-cache")).toBe("bypass");
    await first.text();
    const second = await responses("no-store", { headers });
    expect(second.headers.get("x-nexus-cache")).toBe("bypass");
    await second.text();
    expect(upstreamCalls()).toBe(2);
  });

  test("no-cache skips read but writes", async () => {
    await (await responses("no-cache")).text();
    const fresh = await responses("no-cache", { headers: { "cache-control": "no-cache" } });
    expect(fresh.headers.get("x-nexus-cache")).toBe("miss");
    await fresh.text();
    const again = await responses("no-cache");
    expect(again.headers.get("x-nexus-cache")).toBe("hit");
    await again.text();
    expect(upstreamCalls()).toBe(2);
  });
});

describe("responses cache key", () => {
  const variants: [string, Record<string, unknown>][] = [
    ["instructions", { instructions: "Answer in French." }],
    ["tools", { tools: [{ type: "function", name: "lookup", parameters: { type: "object" } }] }],
    ["text.format", { text: { format: { type: "json_object" } } }],
    ["reasoning", { reasoning: { effort: "high" } }],
    ["temperature", { temperature: 0.3 }],
    ["max_output_tokens", { max_output_tokens: 33 }],
    ["metadata", { metadata: { team: "b" } }],
    ["input", { input: [{ role: "user", content: "key input other" }] }],
  ];

  test.each(variants)("differing %s misses", async (field, change) => {
    await (await responses(`key ${field}`)).text();
    const changed = await responses(`key ${field}`, { extra: change });
    expect(changed.headers.get("x-nexus-cache")).toBe("miss");
    await changed.text();
    expect(upstreamCalls()).toBe(2);
  });

  test("messages answer never serves responses", async () => {
    const messages = await fetch(`${harness.gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", max_tokens: 64,
        messages: [{ role: "user", content: "cross api" }] }),
    });
    await messages.text();
    const translated = await responses("cross api", { extra: { max_output_tokens: 64 } });
    expect(translated.headers.get("x-nexus-cache")).toBe("miss");
    expect((await translated.json()).object).toBe("response");
    expect(upstreamCalls()).toBe(2);
  });
});

describe("responses cache not stored", () => {
  test("error is not cached", async () => {
    await expectNotStored(harness, { status: 500 }, () => responses("error once"));
  });

  test("refusal is not cached", async () => {
    const refusal = {
      id: "resp_refusal", object: "response", created_at: 1, status: "completed",
      model: "gpt-4o-mini",
      output: [{ id: "msg_1", type: "message", role: "assistant", status: "completed",
        content: [{ type: "refusal", refusal: "I can't help with that." }] }],
      usage: { input_tokens: 5, output_tokens: 5, total_tokens: 10 },
    };
    const text = await expectNotStored(harness, { status: 200, body: refusal },
      () => responses("refused once"));
    expect(text).toContain("I can't help with that.");
  });

  test("cut stream is not cached", async () => {
    const text = await expectNotStored(harness, { cutAfterEvents: 3 },
      () => responses("cut stream", { stream: true }));
    expect(text).toContain("error");
  });
});

describe("responses coalescing", () => {
  test.each([false, true])("coalesces 20 requests (stream %p)", async (stream) => {
    harness.simulator.enqueue({ latencyMs: 300, interChunkDelayMs: 10, sticky: true });
    const body = await expectCoalesced(harness, 20,
      () => responses(`coalesce ${stream}`, { stream }));
    expect(body).toContain(stream ? "response.completed" : '"object":"response"');
  });
});
