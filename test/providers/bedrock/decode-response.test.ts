import { describe, expect, test } from "bun:test";
import { bedrockCodec } from "../../../runtime/providers/bedrock/codec.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { contextFor } from "./frames.ts";

function answer(content: unknown[], stopReason = "end_turn", usage: object = {}) {
  return { output: { message: { role: "assistant", content } }, stopReason, usage };
}

describe("Converse response decoding", () => {
  test("tool use becomes tool calls", () => {
    const response = bedrockCodec.decodeChatResponse(
      answer(
        [
          { text: "Checking." },
          { toolUse: { toolUseId: "tooluse_1", name: "weather", input: { city: "Paris" } } },
        ],
        "tool_use",
        { inputTokens: 5, outputTokens: 7, totalTokens: 12 },
      ),
      contextFor(),
    );
    const choice = response.choices[0]!;

    expect(choice.message.content).toBe("Checking.");
    expect(choice.message.tool_calls).toEqual([
      {
        id: "tooluse_1",
        type: "function",
        function: { name: "weather", arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(choice.finish_reason).toBe("tool_calls");
    expect(response.usage?.total_tokens).toBe(12);
  });

  test("cache tokens priced apart", () => {
    const usage = {
      inputTokens: 10,
      outputTokens: 2,
      cacheReadInputTokens: 100,
      cacheWriteInputTokens: 50,
    };
    const body = answer([{ text: "x" }], "end_turn", usage);
    const response = bedrockCodec.decodeChatResponse(body, contextFor());
    expect(response.usage).toEqual({
      prompt_tokens: 160,
      completion_tokens: 2,
      total_tokens: 162,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 50 },
    });
  });

  const reasons = [
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["guardrail_intervened", "content_filter"],
    ["content_filtered", "content_filter"],
  ] as const;
  for (const [stopReason, finish] of reasons) {
    test(`${stopReason} is ${finish}`, () => {
      const body = answer([{ text: "x" }], stopReason);
      const response = bedrockCodec.decodeChatResponse(body, contextFor());
      expect(response.choices[0]!.finish_reason).toBe(finish);
    });
  }

  test("reasoning and redacted blocks", () => {
    const response = bedrockCodec.decodeChatResponse(
      answer([
        { reasoningContent: { reasoningText: { text: "Hmm.", signature: "sig" } } },
        { reasoningContent: { redactedContent: "cmVk" } },
        { text: "Yes." },
      ]),
      contextFor(),
    );
    const message = response.choices[0]!.message;
    expect(message.reasoning_content).toBe("Hmm.");
    expect(message.reasoning_details).toEqual([
      { type: "thinking", thinking: "Hmm.", signature: "sig" },
      { type: "redacted_thinking", data: "cmVk" },
    ]);
    expect(message.content).toBe("Yes.");
  });

  test("JSON mode tool is content", () => {
    const context = contextFor({
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: {} } },
    });
    const response = bedrockCodec.decodeChatResponse(
      answer([{ toolUse: { toolUseId: "t", name: "answer", input: { n: 3 } } }], "tool_use"),
      context,
    );
    expect(response.choices[0]!.message.content).toBe('{"n":3}');
    expect(response.choices[0]!.message.tool_calls).toBeUndefined();
    expect(response.choices[0]!.finish_reason).toBe("stop");
  });

  test("body without output rejected", () => {
    const decode = () => bedrockCodec.decodeChatResponse({ message: "x" }, contextFor());
    expect(decode).toThrow(NexusError);
  });
});
