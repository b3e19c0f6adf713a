import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../runtime/canonical/chat.ts";
import { NexusError } from "../../runtime/errors/nexus-error.ts";
import { decodeMessagesRequest } from "../../services/gateway/src/messages/decode-request.ts";
import {
  type AnthropicRequest,
  validateAnthropicRequest,
} from "../../services/gateway/src/messages/request-schema.ts";
import { targetFormat } from "../../services/gateway/src/messages/target-format.ts";

function decode(body: Record<string, unknown>, type = "openai") {
  const request = validateAnthropicRequest({
    model: "m",
    max_tokens: 4096,
    messages: [{ role: "user", content: "hi" }],
    ...body,
  });
  return decodeMessagesRequest(request as AnthropicRequest, targetFormat(type));
}

function decodeError(body: Record<string, unknown>, type = "openai"): NexusError {
  try {
    decode(body, type);
  } catch (error) {
    if (error instanceof NexusError) return error;
    throw error;
  }
  throw new Error("expected a NexusError");
}

const PDF = "JVBERi0xLjQK";
const PNG = "iVBORw0KGgo=";

describe("request fields", () => {
  test("max_tokens per target format", () => {
    expect(decode({}, "openai").max_completion_tokens).toBe(4096);
    expect(decode({}, "azure").max_completion_tokens).toBe(4096);
    expect(decode({}, "deepseek").max_tokens).toBe(4096);
    expect(decode({}, "deepseek").max_completion_tokens).toBeUndefined();
  });

  test("system blocks join, cache_control dropped", () => {
    const request = decode({
      system: [
        { type: "text", text: "One.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Two." },
      ],
    });
    expect(request.messages[0]).toEqual({ role: "system", content: "One.\n\nTwo." });
  });

  test("empty system sends no message", () => {
    expect(decode({ system: "" }).messages).toEqual([{ role: "user", content: "hi" }]);
  });

  test("sampling and metadata", () => {
    const request = decode({
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ["END", "\n\n"],
      metadata: { user_id: "u-1" },
      service_tier: "auto",
    });
    expect(request.temperature).toBe(0.2);
    expect(request.top_p).toBe(0.9);
    expect(request.stop).toEqual(["END", "\n\n"]);
    expect(request.user).toBe("u-1");
    expect(request.service_tier).toBeUndefined();
  });

  test("top_k kept where the codec reads it", () => {
    expect(decode({ top_k: 7 }, "gemini").top_k).toBe(7);
    expect(decode({ top_k: 7 }, "cohere").top_k).toBe(7);
  });

  for (const type of ["openai", "azure", "deepseek", "groq"]) {
    test(`top_k rejected for ${type}`, () => {
      const error = decodeError({ top_k: 7 }, type);
      expect(error.code).toBe("unsupported_parameter");
      expect(error.param).toBe("top_k");
      expect(error.status).toBe(400);
    });
  }

  const efforts = [
    { budget: 1024, effort: "low" },
    { budget: 8191, effort: "low" },
    { budget: 8192, effort: "medium" },
    { budget: 24575, effort: "medium" },
    { budget: 24576, effort: "high" },
  ] as const;
  for (const { budget, effort } of efforts) {
    test(`thinking budget ${budget} is ${effort}`, () => {
      const request = decode({
        max_tokens: 32000,
        thinking: { type: "enabled", budget_tokens: budget },
      });
      expect(request.reasoning_effort).toBe(effort);
      expect(request.thinking).toBeUndefined();
    });
  }

  test("thinking disabled sets no effort", () => {
    expect(decode({ thinking: { type: "disabled" } }).reasoning_effort).toBeUndefined();
  });

  test("thinking enabled without budget", () => {
    const error = decodeError({ thinking: { type: "enabled" } });
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe("thinking.budget_tokens");
  });
});

describe("tools", () => {
  const tool = { name: "f", description: "does f", input_schema: { type: "object" } };
  const choices = [
    { choice: { type: "auto" }, expected: "auto" },
    { choice: { type: "any" }, expected: "required" },
    { choice: { type: "none" }, expected: "none" },
    { choice: { type: "tool", name: "f" },
      expected: { type: "function", function: { name: "f" } } },
  ];
  for (const { choice, expected } of choices) {
    test(`tool_choice ${choice.type}`, () => {
      const request = decode({ tools: [tool], tool_choice: choice });
      expect(request.tool_choice).toEqual(expected as never);
      expect(request.parallel_tool_calls).toBeUndefined();
    });
  }

  test("custom tool becomes a function", () => {
    const request = decode({
      tools: [{ ...tool, type: "custom", strict: true, cache_control: { type: "ephemeral" } }],
    });
    expect(request.tools).toEqual([{
      type: "function",
      function: { name: "f", description: "does f", parameters: { type: "object" }, strict: true },
    }]);
  });

  test("disable_parallel_tool_use", () => {
    const request = decode({
      tools: [tool],
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
    });
    expect(request.parallel_tool_calls).toBe(false);
  });

  test("tool_choice without tools is dropped", () => {
    const request = decode({ tool_choice: { type: "any" } });
    expect(request.tool_choice).toBeUndefined();
    expect(request.tools).toBeUndefined();
  });
});

describe("content blocks", () => {
  test("images by base64 and URL", () => {
    const request = decode({
      messages: [{ role: "user", content: [
        { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
        { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
        { type: "text", text: "Compare", cache_control: { type: "ephemeral" } },
      ] }],
    });
    expect(request.messages).toEqual([{ role: "user", content: [
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
      { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
      { type: "text", text: "Compare" },
    ] }]);
  });

  test("documents: PDF file part, text inline", () => {
    const request = decode({
      messages: [{ role: "user", content: [
        { type: "document", title: "spec.pdf",
          source: { type: "base64", media_type: "application/pdf", data: PDF } },
        { type: "document", title: "Notes",
          source: { type: "text", media_type: "text/plain", data: "plain words" } },
        { type: "document",
          source: { type: "content", content: [{ type: "text", text: "block words" }] } },
      ] }],
    });
    expect(request.messages[0]?.content).toEqual([
      { type: "file", file: { file_data: `data:application/pdf;base64,${PDF}`,
        filename: "spec.pdf" } },
      { type: "text", text: "Notes\n\nplain words" },
      { type: "text", text: "block words" },
    ]);
  });

  test("text-only blocks join into a string", () => {
    const request = decode({
      messages: [{ role: "user", content: [
        { type: "text", text: "first" },
        { type: "text", text: "second" },
      ] }],
    });
    expect(request.messages).toEqual([{ role: "user", content: "first\n\nsecond" }]);
  });

  test("tool results come before the user text", () => {
    const request = decode({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [
          { type: "text", text: "Calling two tools." },
          { type: "tool_use", id: "a", name: "f", input: { x: 1 } },
          { type: "tool_use", id: "b", name: "g", input: {} },
        ] },
        { role: "user", content: [
          { type: "tool_result", tool_use_id: "a", content: "one" },
          { type: "tool_result", tool_use_id: "b",
            content: [{ type: "text", text: "two" }, { type: "text", text: "lines" }] },
          { type: "text", text: "and now?" },
        ] },
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      { role: "assistant", content: "Calling two tools.", tool_calls: [
        { id: "a", type: "function", function: { name: "f", arguments: "{\"x\":1}" } },
        { id: "b", type: "function", function: { name: "g", arguments: "{}" } },
      ] },
      { role: "tool", tool_call_id: "a", content: "one" },
      { role: "tool", tool_call_id: "b", content: "two\n\nlines" },
      { role: "user", content: "and now?" },
    ]);
  });

  test("tool result with an image keeps parts", () => {
    const request = decode({
      messages: [{ role: "user", content: [{
        type: "tool_result", tool_use_id: "a", is_error: true, content: [
          { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
        ],
      }] }],
    });
    expect(request.messages).toEqual([{ role: "tool", tool_call_id: "a", content: [
      { type: "text", text: "Error: " },
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
    ] }]);
  });

  test("empty tool result is an empty string", () => {
    const request = decode({
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "a" }] }],
    });
    expect(request.messages).toEqual([{ role: "tool", tool_call_id: "a", content: "" }]);
  });
});

describe("thinking blocks in history", () => {
  const history = [
    { role: "user", content: "q" },
    { role: "assistant", content: [
      { type: "thinking", thinking: "Let me see.", signature: "sig-1" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "text", text: "Answer." },
    ] },
    { role: "user", content: "more" },
  ];

  test("replayed as reasoning for Gemini", () => {
    const assistant = decode({ messages: history }, "gemini").messages[1] as ChatMessage;
    expect(assistant).toEqual({
      role: "assistant",
      content: "Answer.",
      reasoning_content: "Let me see.",
      reasoning_details: [
        { type: "thinking", thinking: "Let me see.", signature: "sig-1" },
        { type: "redacted_thinking", data: "opaque" },
      ],
    });
  });

  test("dropped for OpenAI", () => {
    const assistant = decode({ messages: history }, "openai").messages[1];
    expect(assistant).toEqual({ role: "assistant", content: "Answer." });
  });

  test("thinking-only turn dropped for OpenAI", () => {
    const messages = [
      { role: "user", content: "q" },
      { role: "assistant", content: [{ type: "thinking", thinking: "hm", signature: "" }] },
    ];
    expect(decode({ messages }, "openai").messages).toEqual([{ role: "user", content: "q" }]);
    expect(decode({ messages }, "deepseek").messages[1]).toMatchObject({
      role: "assistant",
      content: "",
      reasoning_content: "hm",
    });
  });

  test("thinking in a user turn is invalid", () => {
    const error = decodeError({ messages: [{ role: "user", content: [
      { type: "thinking", thinking: "x", signature: "s" },
    ] }] });
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe("messages.0.content.0.type");
  });
});
