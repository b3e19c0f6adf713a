import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../runtime/canonical/chat.ts";
import { costInUsd } from "../../runtime/quota/cost.ts";
import { codecFor } from "../../runtime/providers/registry.ts";
import { fixturesAvailable } from "../support/fixtures.ts";
import { readFixtureText } from "../providers/openai/recorded-fixtures.ts";

/** Distinct rates, so each kind of token shows in the cost. */
const PRICE = { inputPerMTok: 10, outputPerMTok: 100, cacheReadPerMTok: 1, cacheWritePerMTok: 20 };
const REQUEST: ChatRequest = { model: "m", messages: [{ role: "user", content: "hi" }] };

function costOf(type: string, body: unknown): number | null {
  const answer = codecFor(type).decodeChatResponse(body, { clientModel: "m", request: REQUEST });
  return costInUsd(answer.usage, PRICE);
}

/** The expected cost in USD for plain input, cache reads, cache writes and output tokens. */
function expected(plain: number, read: number, write: number, output: number): number {
  return (plain * 10 + read * 1 + write * 20 + output * 100) / 1_000_000;
}

describe("provider-reported cache tokens are priced at their own rates", () => {
  test("anthropic cache reads and writes", () => {
    const body = {
      id: "msg_01", type: "message", role: "assistant", model: "claude",
      content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 100, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50,
        output_tokens: 10 },
    };
    expect(costOf("anthropic", body)).toBeCloseTo(expected(100, 1000, 50, 10), 12);
  });

  test("gemini cachedContentTokenCount", () => {
    const body = {
      candidates: [{ content: { role: "model", parts: [{ text: "ok" }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 1200, cachedContentTokenCount: 1000,
        candidatesTokenCount: 10, totalTokenCount: 1210 },
      modelVersion: "gemini-2.5-flash",
    };
    expect(costOf("gemini", body)).toBeCloseTo(expected(200, 1000, 0, 10), 12);
  });

  test("openai cached_tokens", () => {
    const body = {
      id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt",
      choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1200, completion_tokens: 10, total_tokens: 1210,
        prompt_tokens_details: { cached_tokens: 1024 } },
    };
    expect(costOf("openai", body)).toBeCloseTo(expected(176, 1024, 0, 10), 12);
  });

  test("bedrock cacheReadInputTokens and cacheWriteInputTokens", () => {
    const body = {
      output: { message: { role: "assistant", content: [{ text: "ok" }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 100, outputTokens: 10, totalTokens: 1160,
        cacheReadInputTokens: 1000, cacheWriteInputTokens: 50 },
    };
    expect(costOf("bedrock", body)).toBeCloseTo(expected(100, 1000, 50, 10), 12);
  });

  test.skipIf(!fixturesAvailable())("deepseek hit tokens, recorded", () => {
    const body = JSON.parse(readFixtureText("vercel-ai/deepseek/deepseek-tool-call.json")) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const { prompt_tokens: prompt, completion_tokens: output } = body.usage;
    expect(costOf("deepseek", body)).toBeCloseTo(expected(prompt - 320, 320, 0, output), 12);
  });

  test.skipIf(!fixturesAvailable())("cohere cached tokens, recorded", () => {
    const body = JSON.parse(readFixtureText("vercel-ai/cohere/cohere-text.json"));
    const usage = codecFor("cohere")
      .decodeChatResponse(body, { clientModel: "m", request: REQUEST }).usage!;
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(448);
    expect(costInUsd(usage, PRICE)).toBeCloseTo(
      expected(usage.prompt_tokens - 448, 448, 0, usage.completion_tokens), 12);
  });
});
