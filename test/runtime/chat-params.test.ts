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

function unhonoured(type: string, extra: Record<string, unknown>): string[] {
  return codecFor(type).unhonouredChatParams?.(request(extra), TARGET) ?? [];
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
    expect(unhonoured("gemini", { audio: { voice: "x" } })).toEqual([]);
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
