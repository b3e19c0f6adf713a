import { afterAll, describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { COMPAT_PROFILES } from "../../../runtime/providers/compat/profiles.ts";
import { codecFor } from "../../../runtime/providers/registry.ts";
import { FixtureUpstream } from "./fixture-upstream.ts";

const upstream = new FixtureUpstream();
afterAll(() => upstream.close());

/** A request with every field some profile drops, plus fields every profile keeps. */
const REQUEST: ChatRequest = {
  model: "client-model",
  messages: [{ role: "user", content: "Hi" }],
  temperature: 0.3,
  store: true,
  prompt_cache_key: "cache-key",
  prompt_cache_options: { ttl: "1h" },
  prompt_cache_retention: "24h",
  safety_identifier: "user-hash",
  moderation: { mode: "strict" },
  logprobs: true,
  top_logprobs: 2,
  logit_bias: { "42": -100 },
};

const KEPT_BY_ALL = ["messages", "temperature"];

describe("compat encodeChatRequest", () => {
  for (const profile of COMPAT_PROFILES) {
    test(`${profile.type} sends kept fields only`, async () => {
      const codec = codecFor(profile.type);
      await upstream.send(codec, REQUEST, "{}");
      const seen = upstream.seen!;

      expect(seen.path).toBe("/v1/chat/completions");
      expect(seen.authorization).toBe("Bearer test-key");
      expect(seen.body.model).toBe("upstream-model");
      for (const field of KEPT_BY_ALL) expect(seen.body[field]).toEqual(REQUEST[field]);

      for (const field of Object.keys(REQUEST)) {
        const dropped = profile.dropParams.includes(field);
        expect({ field, sent: field in seen.body }).toEqual({ field, sent: !dropped });
      }
    });
  }

  const dropsByType: [string, string[]][] = [
    ["groq", ["logprobs", "top_logprobs", "logit_bias", "store"]],
    ["deepseek", ["store", "safety_identifier"]],
    ["mistral", ["store", "prompt_cache_key"]],
  ];
  for (const [type, fields] of dropsByType) {
    test(`${type} drops ${fields.join(", ")}`, async () => {
      await upstream.send(codecFor(type), REQUEST, "{}");
      for (const field of fields) expect(upstream.seen!.body[field]).toBeUndefined();
    });
  }

  test("deepseek keeps logprobs", async () => {
    await upstream.send(codecFor("deepseek"), REQUEST, "{}");
    expect(upstream.seen!.body.logprobs).toBe(true);
    expect(upstream.seen!.body.top_logprobs).toBe(2);
  });

  test("streamed request asks for usage", async () => {
    const streamed: ChatRequest = { ...REQUEST, stream: true };
    await upstream.send(codecFor("xai"), streamed, "data: [DONE]\n\n");
    expect(upstream.seen!.body.stream_options).toEqual({ include_usage: true });
  });

  test("client request is not changed", () => {
    const copy = structuredClone(REQUEST);
    codecFor("groq").encodeChatRequest(REQUEST, upstream.target());
    expect(REQUEST).toEqual(copy);
  });

  test("config headers replace bearer auth", () => {
    const target = { ...upstream.target(), apiKey: null, headers: { "api-key": "k" } };
    const encoded = codecFor("mistral").encodeChatRequest(REQUEST, target);
    expect(encoded.headers.authorization).toBeUndefined();
    expect(encoded.headers["api-key"]).toBe("k");
  });

  test("base URL trailing slash is trimmed", () => {
    const target = { ...upstream.target(), baseUrl: "http://127.0.0.1:9/api/v1/" };
    const encoded = codecFor("together").encodeChatRequest(REQUEST, target);
    expect(encoded.url).toBe("http://127.0.0.1:9/api/v1/chat/completions");
  });
});
