import { describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { anthropicCodec } from "../../../runtime/providers/anthropic/codec.ts";
import { contextFor } from "./fixtures.ts";

function message(content: unknown[], stopReason = "end_turn", usage: object = {}) {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content,
    stop_reason: stopReason,
    usage: { input_tokens: 10, output_tokens: 5, ...usage },
  };
}

describe("decode response", () => {
  test("reasoning, text and tools", () => {
    const body = message(
      [
        { type: "thinking", thinking: "Think.", signature: "sig-1" },
        { type: "redacted_thinking", data: "opaque" },
        { type: "text", text: "Calling." },
        { type: "tool_use", id: "toolu_1", name: "f", input: { x: 1 } },
      ],
      "tool_use",
      { output_tokens_details: { thinking_tokens: 3 } },
    );
    const response = anthropicCodec.decodeChatResponse(body, contextFor());
    const choice = response.choices[0]!;

    expect(choice.message.content).toBe("Calling.");
    expect(choice.message.reasoning_content).toBe("Think.");
    expect(choice.message.reasoning_details).toEqual([
      { type: "thinking", thinking: "Think.", signature: "sig-1" },
      { type: "redacted_thinking", data: "opaque" },
    ]);
    expect(choice.message.tool_calls).toEqual([
      { id: "toolu_1", type: "function", function: { name: "f", arguments: '{"x":1}' } },
    ]);
    expect(choice.finish_reason).toBe("tool_calls");
    expect(response.usage?.completion_tokens_details?.reasoning_tokens).toBe(3);
    expect(response.model).toBe("client-model");
  });

  test("whitespace stop truncates text", () => {
    const body = message([{ type: "text", text: "first\n\nsecond" }]);
    const response = anthropicCodec.decodeChatResponse(body, contextFor({ stop: "\n\n" }));

    expect(response.choices[0]!.message.content).toBe("first");
    expect(response.choices[0]!.finish_reason).toBe("stop");
  });

  test("json tool with client tools", () => {
    const body = message(
      [
        { type: "tool_use", id: "toolu_1", name: "answer", input: { answer: "42" } },
        { type: "tool_use", id: "toolu_2", name: "lookup", input: {} },
      ],
      "tool_use",
    );
    const request = {
      response_format: {
        type: "json_schema" as const,
        json_schema: { name: "answer", schema: { type: "object" } },
      },
    };
    const response = anthropicCodec.decodeChatResponse(body, contextFor(request));
    const choice = response.choices[0]!;

    expect(choice.message.content).toBe('{"answer":"42"}');
    expect(choice.message.tool_calls?.map((call) => call.function.name)).toEqual(["lookup"]);
    expect(choice.finish_reason).toBe("tool_calls");
  });

  test("refusal is content_filter", () => {
    const response = anthropicCodec.decodeChatResponse(message([], "refusal"), contextFor());
    expect(response.choices[0]!.finish_reason).toBe("content_filter");
    expect(response.choices[0]!.message.content).toBe("");
  });

  test("invalid body", () => {
    let caught: unknown = null;
    try {
      anthropicCodec.decodeChatResponse({ type: "message" }, contextFor());
    } catch (error) {
      caught = error;
    }
    expect((caught as NexusError).code).toBe("upstream_invalid_response");
  });
});
