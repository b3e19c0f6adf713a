import { describe, expect, test } from "bun:test";
import { NexusError } from "../../runtime/errors/nexus-error.ts";
import { toChatRequest } from "../../services/gateway/src/responses/decode-request.ts";
import { encodeReasoningDetails } from "../../services/gateway/src/responses/reasoning-blob.ts";

function paramOf(action: () => unknown): string | null {
  try {
    action();
  } catch (error) {
    if (error instanceof NexusError) return error.param;
    throw error;
  }
  throw new Error("expected a NexusError");
}

describe("Responses request translation", () => {
  test("string input and instructions", () => {
    const request = toChatRequest({ model: "m", instructions: "Be brief.", input: "Hi" });
    expect(request.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
    expect(request.stream).toBe(false);
  });

  test("sampling and limits map to chat fields", () => {
    const request = toChatRequest({
      model: "m", input: "Hi", max_output_tokens: 50, temperature: 0.3, top_p: 0.9,
      parallel_tool_calls: false, metadata: { a: "b" }, user: "u-1", store: false,
      reasoning: { effort: "xhigh", summary: "auto" }, stream: true,
    });
    expect(request.max_completion_tokens).toBe(50);
    expect(request.temperature).toBe(0.3);
    expect(request.top_p).toBe(0.9);
    expect(request.parallel_tool_calls).toBe(false);
    expect(request.metadata).toEqual({ a: "b" });
    expect(request.user).toBe("u-1");
    expect(request.reasoning_effort).toBe("high");
    expect(request.stream).toBe(true);
    expect(request.store).toBeUndefined();
  });

  test("message parts become chat content parts", () => {
    const request = toChatRequest({
      model: "m",
      input: [
        { type: "message", role: "developer", content: "Rules." },
        {
          role: "user",
          content: [
            { type: "input_text", text: "What is this?" },
            { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "low" },
          ],
        },
      ],
    });
    expect(request.messages).toEqual([
      { role: "developer", content: "Rules." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
        ],
      },
    ]);
  });

  test("one assistant turn from reasoning, text and calls", () => {
    const details = [{ type: "thinking" as const, thinking: "Hmm.", signature: "sig-1" }];
    const request = toChatRequest({
      model: "m",
      input: [
        { role: "user", content: "Go" },
        {
          type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Hmm." }],
          encrypted_content: encodeReasoningDetails(details),
        },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Let me." }] },
        { type: "function_call", call_id: "c1", name: "f", arguments: "{\"x\":1}" },
        { type: "function_call", call_id: "c2", name: "g", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "one" },
        {
          type: "function_call_output", call_id: "c2",
          output: [{ type: "input_text", text: "two" }],
        },
        { role: "assistant", content: "Done." },
      ],
    });
    expect(request.messages).toEqual([
      { role: "user", content: "Go" },
      {
        role: "assistant",
        content: [{ type: "text", text: "Let me." }],
        reasoning_content: "Hmm.",
        reasoning_details: details,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "f", arguments: "{\"x\":1}" } },
          { id: "c2", type: "function", function: { name: "g", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "one" },
      { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "two" }] },
      { role: "assistant", content: "Done." },
    ]);
  });

  test("OpenAI encrypted reasoning is not replayed", () => {
    const request = toChatRequest({
      model: "m",
      input: [
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAAABfoo" },
        { role: "assistant", content: "Hi" },
      ],
    });
    expect(request.messages).toEqual([{ role: "assistant", content: "Hi" }]);
  });

  test("tools, tool_choice and text formats", () => {
    const request = toChatRequest({
      model: "m",
      input: "Hi",
      tools: [{ type: "function", name: "f", description: "d", parameters: { type: "object" },
        strict: true }],
      tool_choice: { type: "function", name: "f" },
      text: { format: { type: "json_schema", name: "out", schema: { type: "object" },
        strict: true } },
    });
    expect(request.tools).toEqual([{ type: "function", function: {
      name: "f", description: "d", parameters: { type: "object" }, strict: true,
    } }]);
    expect(request.tool_choice).toEqual({ type: "function", function: { name: "f" } });
    expect(request.response_format).toEqual({ type: "json_schema", json_schema: {
      name: "out", schema: { type: "object" }, strict: true,
    } });
    const json = toChatRequest({
      model: "m", input: "Hi", text: { format: { type: "json_object" } },
    });
    expect(json.response_format).toEqual({ type: "json_object" });
  });

  test("rejected parameters name themselves", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ input: [{ role: "tool", content: "x" }] }, "input[0].role"],
      [{ input: [{ type: "function_call", name: "f" }] }, "input[0].call_id"],
      [{ input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] },
        "input[0].content[0].type"],
      [{ input: [{ role: "user", content: [{ type: "input_image", file_id: "f" }] }] },
        "input[0].content[0].file_id"],
      [{ input: [{ type: "web_search_call", id: "ws" }] }, "input[0].type"],
      [{ conversation: "conv_1" }, "conversation"],
      [{ background: true }, "background"],
      [{ max_output_tokens: "many" }, "max_output_tokens"],
      [{ tools: [{ type: "file_search" }] }, "tools[0].type"],
    ];
    for (const [extra, param] of cases) {
      expect(paramOf(() => toChatRequest({ model: "m", input: "Hi", ...extra }))).toBe(param);
    }
    expect(paramOf(() => toChatRequest({ model: "m" }))).toBe("input");
  });
});
