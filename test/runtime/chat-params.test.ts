import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../runtime/canonical/chat.ts";
import { codecFor } from "../../runtime/providers/registry.ts";
import type { Target } from "../../runtime/providers/codec.ts";

const TARGET: Target = {
  provider: "p",
  baseUrl: "http://127.0.0.1:9",
  apiKey: "k",
  headers: {},
  upstreamModel: "m",
};

function request(extra: Record<string, unknown>): ChatRequest {
  return { model: "m", messages: [{ role: "user", content: "Hi" }], ...extra } as ChatRequest;
}

function unhonoured(type: string, extra: Record<string, unknown>, model = "m"): string[] {
  const target = { ...TARGET, upstreamModel: model };
  return codecFor(type).unhonouredChatParams?.(request(extra), target) ?? [];
}

describe("which chat fields each codec cannot honour", () => {
  test("translating codecs name the fields they have no place for", () => {
    const fields = { seed: 1, presence_penalty: 0.1, user: "u", metadata: { a: "b" } };
    expect(unhonoured("anthropic", fields)).toEqual(["seed", "presence_penalty", "metadata"]);
    expect(unhonoured("gemini", fields)).toEqual(["user", "metadata"]);
    expect(unhonoured("cohere", fields)).toEqual(["user", "metadata"]);
  });

  test("null and absent fields are not reported", () => {
    expect(unhonoured("anthropic", { seed: null, logit_bias: undefined })).toEqual([]);
  });

  test("fields whose loss changes the answer's shape are left to the codec to refuse", () => {
    const fields = { n: 3, functions: [], function_call: "auto", modalities: ["audio"] };
    expect(unhonoured("anthropic", fields)).toEqual([]);
    const shaped = { tools: [], response_format: { type: "json_object" } };
    expect(unhonoured("replicate", shaped)).toEqual([]);
    expect(unhonoured("gemini", { audio: { voice: "x" } })).toEqual([]);
  });

  test("vertex follows the publisher of the model", () => {
    const fields = { seed: 1, user: "u" };
    expect(unhonoured("vertex", fields, "gemini-2.5-pro")).toEqual(["user"]);
    expect(unhonoured("vertex", fields, "claude-sonnet-4-5@20250929")).toEqual(["seed"]);
  });

  test("bedrock keeps top_k for Anthropic models only", () => {
    const fields = { seed: 1, top_k: 5, logit_bias: { "1": 1 } };
    expect(unhonoured("bedrock", fields, "anthropic.claude-3-5-haiku-20241022-v1:0"))
      .toEqual(["seed", "logit_bias"]);
    expect(unhonoured("bedrock", fields, "amazon.nova-pro-v1:0"))
      .toEqual(["seed", "top_k", "logit_bias"]);
  });

  test("replicate keeps sampling and drops the rest", () => {
    const fields = { seed: 1, top_p: 0.5, reasoning_effort: "low", tool_choice: "auto" };
    expect(unhonoured("replicate", fields)).toEqual(["reasoning_effort", "tool_choice"]);
  });

  test("OpenAI-compatible profiles report the fields their profile removes", () => {
    expect(unhonoured("groq", { logprobs: true, store: true, seed: 2 })).toEqual([
      "logprobs",
      "store",
    ]);
    expect(unhonoured("deepseek", { seed: 2 })).toEqual([]);
  });

  test("the OpenAI codec passes every field on", () => {
    expect(codecFor("openai").unhonouredChatParams).toBeUndefined();
  });
});
