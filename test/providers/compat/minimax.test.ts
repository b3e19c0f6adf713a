import { afterAll, describe, expect, test } from "bun:test";
import type { ChatChunk, ChatRequest } from "../../../runtime/canonical/chat.ts";
import { codecFor } from "../../../runtime/providers/registry.ts";
import { collectUntilError, streamText } from "../openai/byte-streams.ts";
import { decodeContext, FixtureUpstream } from "./fixture-upstream.ts";

type Json = Record<string, unknown>;

const upstream = new FixtureUpstream();
afterAll(() => upstream.close());

const codec = codecFor("minimax");
const BASE: ChatRequest = { model: "client-model", messages: [{ role: "user", content: "Hi" }] };

describe("minimax encodeChatRequest", () => {
  test("URL, auth and reasoning_split", async () => {
    await upstream.send(codec, { ...BASE, store: true, reasoning_effort: "low" }, "{}");
    const seen = upstream.seen!;

    expect(seen.path).toBe("/v1/chat/completions");
    expect(seen.authorization).toBe("Bearer test-key");
    expect(seen.body.model).toBe("upstream-model");
    expect(seen.body.reasoning_split).toBe(true);
    expect(seen.body.store).toBeUndefined();
    expect(seen.body.reasoning_effort).toBe("low");
  });

  test("client reasoning_split is kept", async () => {
    await upstream.send(codec, { ...BASE, reasoning_split: false }, "{}");
    expect(upstream.seen!.body.reasoning_split).toBe(false);
  });

  test("other profiles send no reasoning_split", async () => {
    await upstream.send(codecFor("moonshot"), BASE, "{}");
    expect("reasoning_split" in upstream.seen!.body).toBe(false);
  });
});

function response(message: Json): Json {
  return {
    id: "05b81a",
    object: "chat.completion",
    created: 1760000000,
    model: "MiniMax-M2",
    choices: [{ index: 0, message, finish_reason: "tool_calls" }],
    usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
  };
}

describe("minimax decode", () => {
  test("JSON reasoning_details become reasoning_content", () => {
    const details = [
      { type: "reasoning.text", id: "reasoning-text-1", format: "MiniMax-response-v1", index: 0,
        text: "Need the weather. " },
      { type: "reasoning.text", id: "reasoning-text-2", index: 1, text: "Call the tool." },
    ];
    const body = response({
      role: "assistant",
      content: "",
      reasoning_details: details,
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
      ],
    });
    const decoded = codec.decodeChatResponse(body, decodeContext(false));
    const message = decoded.choices[0]!.message as unknown as Json;

    expect(message.reasoning_content).toBe("Need the weather. Call the tool.");
    // Kept, so a client that sends the message back keeps MiniMax's interleaved thinking.
    expect(message.reasoning_details).toEqual(details);
    expect(decoded.choices[0]!.message.tool_calls?.[0]?.function.name).toBe("get_weather");
    expect(decoded.usage?.total_tokens).toBe(70);
  });

  const keptAsSent: [string, Json][] = [
    ["part without text", { reasoning_details: [{ type: "reasoning.encrypted", data: "x" }] }],
    ["empty parts", { reasoning_details: [] }],
    ["existing reasoning_content", { reasoning_content: "a", reasoning_details: [{ text: "b" }] }],
  ];
  for (const [name, fields] of keptAsSent) {
    test(`${name} is kept as sent`, () => {
      const body = response({ role: "assistant", content: "ok", ...fields });
      const message = codec.decodeChatResponse(body, decodeContext(false)).choices[0]!.message;
      expect(message as unknown as Json).toEqual({ role: "assistant", content: "ok", ...fields });
    });
  }

  test("think tags in content pass as sent", () => {
    const body = response({ role: "assistant", content: "<think>hm</think>\n\nHi" });
    const message = codec.decodeChatResponse(body, decodeContext(false)).choices[0]!.message;
    expect(message.content).toBe("<think>hm</think>\n\nHi");
    expect(message.reasoning_content).toBeUndefined();
  });

  test("stream reasoning_details become reasoning_content", async () => {
    const frame = (delta: Json, extra: Json = {}): Json => ({
      id: "05b81a",
      object: "chat.completion.chunk",
      created: 1760000000,
      model: "MiniMax-M2",
      choices: [{ index: 0, delta, finish_reason: null }],
      ...extra,
    });
    const part = (text: string): Json => ({ type: "reasoning.text", id: "r1", index: 0, text });
    const usage = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 };
    const payloads = [
      frame({ role: "assistant", reasoning_details: [part("Greet ")] }),
      frame({ reasoning_details: [part("back.")] }),
      frame({ content: "Hello!" }),
      { ...frame({}), choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage },
    ];
    const text = payloads.map((payload) => `data: ${JSON.stringify(payload)}\n\n`).join("") +
      "data: [DONE]\n\n";
    const { items, error } = await collectUntilError(
      codec.decodeChatStream(streamText(text, 6), decodeContext(true)),
    );
    const deltas = items.flatMap((item: ChatChunk) =>
      item.choices.map((choice) => choice.delta as Json));

    expect(error).toBeNull();
    expect(deltas.map((delta) => delta.reasoning_content ?? "").join("")).toBe("Greet back.");
    const parts = deltas.flatMap((delta) => (delta.reasoning_details ?? []) as Json[]);
    expect(parts.map((detail) => detail.text)).toEqual(["Greet ", "back."]);
    expect(deltas.map((delta) => delta.content ?? "").join("")).toBe("Hello!");
    expect(items.some((item) => item.usage?.total_tokens === 13)).toBe(true);
  });
});
