import { describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { compatCodec } from "../../../runtime/providers/compat/codec.ts";
import { deepseekProfile } from "../../../runtime/providers/compat/deepseek.ts";
import type { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { codecFor } from "../../../runtime/providers/registry.ts";
import { collectUntilError, streamText } from "../openai/byte-streams.ts";
import { decodeContext } from "./fixture-upstream.ts";

type Json = Record<string, unknown>;

function sse(payloads: Json[]): string {
  return `${payloads.map((payload) => `data: ${JSON.stringify(payload)}\n\n`).join("")}` +
    "data: [DONE]\n\n";
}

function chunk(delta: Json, extra: Json = {}): Json {
  return {
    id: "chunk-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "upstream-model",
    choices: [{ index: 0, delta, finish_reason: null }],
    ...extra,
  };
}

async function decodeStream(type: string, payloads: Json[]): Promise<ChatChunk[]> {
  const codec = codecFor(type);
  const { items, error } = await collectUntilError(
    codec.decodeChatStream(streamText(sse(payloads), 7), decodeContext(true)),
  );
  expect(error).toBeNull();
  return items;
}

function deltas(items: ChatChunk[]): Json[] {
  return items.flatMap((item) => item.choices.map((choice) => choice.delta as Json));
}

describe("reasoning field mapping", () => {
  test("groq reasoning becomes reasoning_content in JSON", () => {
    const body = {
      id: "r1",
      object: "chat.completion",
      created: 1,
      model: "upstream-model",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "4", reasoning: "2+2 is 4" },
          finish_reason: "stop",
        },
      ],
    };
    const decoded = codecFor("groq").decodeChatResponse(body, decodeContext(false));
    const message = decoded.choices[0]!.message as unknown as Json;

    expect(message.reasoning_content).toBe("2+2 is 4");
    expect(message.reasoning).toBeUndefined();
    expect(message.content).toBe("4");
  });

  test("together reasoning becomes reasoning_content in streams", async () => {
    const items = await decodeStream("together", [
      chunk({ role: "assistant", reasoning: "think" }),
      chunk({ reasoning: "ing" }),
      chunk({ content: "done" }),
    ]);
    const sent = deltas(items);

    expect(sent.map((delta) => delta.reasoning_content ?? null)).toEqual(["think", "ing", null]);
    expect(sent.every((delta) => delta.reasoning === undefined)).toBe(true);
  });

  test("existing reasoning_content wins over the rename", () => {
    const body = {
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "", reasoning: "a", reasoning_content: "b" },
          finish_reason: "stop",
        },
      ],
    };
    const decoded = codecFor("groq").decodeChatResponse(body, decodeContext(false));
    const message = decoded.choices[0]!.message as unknown as Json;

    expect(message.reasoning_content).toBe("b");
    expect(message.reasoning).toBe("a");
  });

  test("deepseek leaves a plain reasoning field alone", async () => {
    const items = await decodeStream("deepseek", [chunk({ reasoning: "x" })]);
    expect(deltas(items)[0]).toEqual({ reasoning: "x" });
  });
});

describe("tool-call index base", () => {
  test("index starting at 1 stays 1", async () => {
    const profile = { ...deepseekProfile, type: "one-based", toolCallIndexBase: 1 as const };
    const codec = compatCodec(profile);
    const opening = { index: 1, id: "call_a", type: "function", function: { name: "f" } };
    const argument = { index: 1, function: { arguments: "{}" } };
    const payloads = [chunk({ tool_calls: [opening] }), chunk({ tool_calls: [argument] })];
    const { items } = await collectUntilError(
      codec.decodeChatStream(streamText(sse(payloads), 0), decodeContext(true)),
    );
    const indexes = deltas(items).flatMap((delta) =>
      (delta.tool_calls as Json[]).map((toolCall) => toolCall.index));

    expect(indexes).toEqual([1, 1]);
  });
});

describe("usage mapping", () => {
  test("miss field alone gives cached_tokens", () => {
    const body = {
      choices: [],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 1,
        total_tokens: 101,
        prompt_cache_miss_tokens: 30,
      },
    };
    const decoded = codecFor("deepseek").decodeChatResponse(body, decodeContext(false));
    expect(decoded.usage?.prompt_tokens_details?.cached_tokens).toBe(70);
  });

  test("usage on a choice chunk is split and mapped", async () => {
    const usage = {
      prompt_tokens: 10,
      completion_tokens: 2,
      total_tokens: 12,
      prompt_cache_hit_tokens: 8,
      prompt_cache_miss_tokens: 2,
    };
    const items = await decodeStream("deepseek", [chunk({ content: "hi" }, { usage })]);

    expect(items.length).toBe(2);
    expect(items[0]!.usage).toBeNull();
    expect(items[1]!.usage?.prompt_tokens_details?.cached_tokens).toBe(8);
  });

  test("profile without cache fields keeps usage", () => {
    const usage = { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, cache_hits: 4 };
    const body = { choices: [], usage };
    const decoded = codecFor("moonshot").decodeChatResponse(body, decodeContext(false));
    expect(decoded.usage).toEqual(usage);
  });
});

describe("errors", () => {
  test("stream cut keeps its code", async () => {
    const codec = codecFor("groq");
    const cut = `data: ${JSON.stringify(chunk({ content: "hi" }))}\n\n`;
    const { items, error } = await collectUntilError(
      codec.decodeChatStream(streamText(cut, 0), decodeContext(true)),
    );

    expect(deltas(items)[0]?.content).toBe("hi");
    expect((error as NexusError).code).toBe("upstream_stream_cut");
  });

  test("non-chat body is an invalid response", () => {
    const decode = () => codecFor("xai").decodeChatResponse({ nope: 1 }, decodeContext(false));
    let thrown: unknown = null;
    try {
      decode();
    } catch (error) {
      thrown = error;
    }
    expect((thrown as NexusError | null)?.code).toBe("upstream_invalid_response");
  });

  test("upstream 429 maps like OpenAI", () => {
    const body = JSON.stringify({ error: { message: "slow down", type: "rate_limit" } });
    const error = codecFor("fireworks").decodeError(429, new Headers(), body);
    expect(error.code).toBe("upstream_rate_limited");
    expect(error.status).toBe(429);
  });
});
