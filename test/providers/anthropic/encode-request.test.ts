import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { anthropicCodec } from "../../../runtime/providers/anthropic/codec.ts";
import { buildBody } from "../../../runtime/providers/anthropic/encode-request.ts";
import type { AnthropicRequest } from "../../../runtime/providers/anthropic/wire.ts";
import type { Target } from "../../../runtime/providers/codec.ts";

const hi = { role: "user" as const, content: "hi" };

function request(fields: Partial<ChatRequest>): ChatRequest {
  return { model: "client-model", messages: [hi], ...fields };
}

const target: Target = {
  provider: "anthropic-main",
  baseUrl: "https://api.anthropic.com/",
  apiKey: "sk-ant-test",
  headers: {},
  upstreamModel: "claude-sonnet-4-5",
};

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};
const encodedWeather = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: weatherTool.function.parameters,
};
const schema = { type: "object", properties: { answer: { type: "string" } } };
const jsonSchemaFormat = {
  type: "json_schema" as const,
  json_schema: { name: "answer", description: "The answer", schema, strict: true },
};
const userText = (text: string) => ({ role: "user", content: [{ type: "text", text }] });

/** Each case lists the body fields it pins; a field set to undefined must be absent. */
const cases: { name: string; request: ChatRequest; expected: Partial<AnthropicRequest> }[] = [
  {
    name: "system messages in order",
    request: request({
      messages: [
        { role: "system", content: "first" },
        { role: "developer", content: [{ type: "text", text: "second" }] },
        hi,
        { role: "assistant", content: "hello" },
        { role: "system", content: "third, mid-conversation" },
        { role: "user", content: "again" },
      ],
    }),
    expected: {
      system: [
        { type: "text", text: "first" },
        { type: "text", text: "second" },
        { type: "text", text: "third, mid-conversation" },
      ],
      messages: [
        userText("hi"),
        { role: "assistant", content: [{ type: "text", text: "hello" }] },
        userText("again"),
      ] as never,
    },
  },
  {
    name: "same-role messages merged",
    request: request({ messages: [hi, { role: "user", content: "there" }] }),
    expected: {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "hi" },
            { type: "text", text: "there" },
          ],
        },
      ],
      system: undefined,
    },
  },
  {
    name: "parallel tool calls and results",
    request: request({
      tools: [weatherTool],
      messages: [
        hi,
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "call_a",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
            },
            { id: "call_b", type: "function", function: { name: "get_weather", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: "-3C" },
        { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "12C" }] },
        { role: "user", content: "Compare them." },
      ],
    }),
    expected: {
      messages: [
        userText("hi"),
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "call_a", name: "get_weather", input: { city: "Oslo" } },
            { type: "tool_use", id: "call_b", name: "get_weather", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_a", content: "-3C" },
            {
              type: "tool_result",
              tool_use_id: "call_b",
              content: [{ type: "text", text: "12C" }],
            },
            { type: "text", text: "Compare them." },
          ],
        },
      ] as never,
      tools: [encodedWeather],
      tool_choice: undefined,
    },
  },
  {
    name: "tool_choice auto",
    request: request({ tools: [weatherTool], tool_choice: "auto" }),
    expected: { tools: [encodedWeather], tool_choice: { type: "auto" } },
  },
  {
    name: "tool_choice none",
    request: request({ tools: [weatherTool], tool_choice: "none" }),
    expected: { tool_choice: { type: "none" } },
  },
  {
    name: "tool_choice required",
    request: request({ tools: [weatherTool], tool_choice: "required" }),
    expected: { tool_choice: { type: "any" } },
  },
  {
    name: "tool_choice named function",
    request: request({
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
    }),
    expected: {
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
    },
  },
  {
    name: "parallel_tool_calls false alone",
    request: request({ tools: [weatherTool], parallel_tool_calls: false }),
    expected: { tool_choice: { type: "auto", disable_parallel_tool_use: true } },
  },
  {
    name: "strict tool and tool without parameters",
    request: request({
      tools: [{ type: "function", function: { name: "now", strict: true } }],
    }),
    expected: {
      tools: [{ name: "now", input_schema: { type: "object", properties: {} }, strict: true }],
    },
  },
  {
    name: "images as base64 and url",
    request: request({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            { type: "image_url", image_url: { url: "data:image/webp;base64,UklGRg==" } },
            {
              type: "image_url",
              image_url: { url: "https://example.com/cat.png", detail: "high" },
            },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare" },
            {
              type: "image",
              source: { type: "base64", media_type: "image/webp", data: "UklGRg==" },
            },
            { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
          ],
        },
      ],
    },
  },
  {
    name: "pdf file as document",
    request: request({
      messages: [
        {
          role: "user",
          content: [
            {
              type: "file",
              file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
            },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        {
          role: "user",
          content: [
            {
              type: "document",
              source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
              title: "a.pdf",
            },
          ],
        },
      ],
    },
  },
  {
    name: "json_schema as forced tool",
    request: request({ response_format: jsonSchemaFormat }),
    expected: {
      tools: [{ name: "answer", description: "The answer", input_schema: schema, strict: true }],
      tool_choice: { type: "tool", name: "answer" },
      system: undefined,
    },
  },
  {
    name: "json_object as forced open tool",
    request: request({ response_format: { type: "json_object" } }),
    expected: {
      tools: [
        {
          name: "json_response",
          description: "Return the final answer as a JSON object.",
          input_schema: { type: "object", additionalProperties: true },
        },
      ],
      tool_choice: { type: "tool", name: "json_response" },
    },
  },
  {
    name: "json_schema with client tools",
    request: request({ response_format: jsonSchemaFormat, tools: [weatherTool] }),
    expected: {
      tool_choice: { type: "any" },
      system: [
        {
          type: "text",
          text:
            "Give your final answer only by calling the tool `answer`, " +
            "with the answer as its input.",
        },
      ],
    },
  },
  {
    name: "json_schema with thinking",
    request: request({ response_format: jsonSchemaFormat, reasoning_effort: "low" }),
    expected: {
      tool_choice: { type: "auto" },
      thinking: { type: "enabled", budget_tokens: 2048 },
      max_tokens: 2048 + 4096,
    },
  },
  {
    name: "default max_tokens",
    request: request({}),
    expected: { max_tokens: 4096, thinking: undefined, stream: undefined },
  },
  {
    name: "max_tokens",
    request: request({ max_tokens: 300 }),
    expected: { max_tokens: 300 },
  },
  {
    name: "max_completion_tokens wins",
    request: request({ max_tokens: 300, max_completion_tokens: 500 }),
    expected: { max_tokens: 500 },
  },
  {
    name: "reasoning_effort medium",
    request: request({ reasoning_effort: "medium", max_completion_tokens: 20000 }),
    expected: { thinking: { type: "enabled", budget_tokens: 8192 }, max_tokens: 20000 },
  },
  {
    name: "reasoning_effort high fitted",
    request: request({ reasoning_effort: "high", max_completion_tokens: 10000 }),
    expected: { thinking: { type: "enabled", budget_tokens: 5000 }, max_tokens: 10000 },
  },
  {
    name: "thinking passed through",
    request: request({ thinking: { type: "enabled", budget_tokens: 6000 } }),
    expected: { thinking: { type: "enabled", budget_tokens: 6000 }, max_tokens: 6000 + 4096 },
  },
  {
    name: "stop string",
    request: request({ stop: "END" }),
    expected: { stop_sequences: ["END"] },
  },
  {
    name: "stop array without whitespace-only",
    request: request({ stop: ["\n\n", "END", " ", ""] }),
    expected: { stop_sequences: ["END"] },
  },
  {
    name: "whitespace-only stop kept local",
    request: request({ stop: "\n" }),
    expected: { stop_sequences: undefined },
  },
  {
    name: "sampling and user",
    request: request({ temperature: 0.3, top_p: 0.9, user: "user-42", seed: 7, stream: true }),
    expected: { temperature: 0.3, top_p: 0.9, metadata: { user_id: "user-42" }, stream: true },
  },
  {
    name: "temperature clamped to one",
    request: request({ temperature: 1.7 }),
    expected: { temperature: 1 },
  },
  {
    name: "reasoning replayed first",
    request: request({
      messages: [
        hi,
        {
          role: "assistant",
          content: "It is 4.",
          reasoning_content: "2 plus 2",
          reasoning_details: [
            { type: "thinking", signature: "sig-1" },
            { type: "redacted_thinking", data: "opaque" },
          ],
        },
        { role: "user", content: "And 3+3?" },
      ],
    }),
    expected: {
      messages: [
        userText("hi"),
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "2 plus 2", signature: "sig-1" },
            { type: "redacted_thinking", data: "opaque" },
            { type: "text", text: "It is 4." },
          ],
        },
        userText("And 3+3?"),
      ] as never,
    },
  },
  {
    name: "assistant prefill trimmed",
    request: request({ messages: [hi, { role: "assistant", content: "The answer is " }] }),
    expected: {
      messages: [
        userText("hi"),
        { role: "assistant", content: [{ type: "text", text: "The answer is" }] },
      ] as never,
    },
  },
];

describe("encode request body", () => {
  for (const { name, request: canonical, expected } of cases) {
    test(name, () => {
      const body = buildBody(canonical, "claude-sonnet-4-5") as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(expected)) {
        if (value === undefined) expect(body).not.toHaveProperty(field);
        else expect(body[field]).toEqual(value);
      }
      expect(body.model).toBe("claude-sonnet-4-5");
    });
  }
});

const errorCases: { name: string; request: ChatRequest; code: string; param: string | null }[] = [
  { name: "n above one", request: request({ n: 2 }), code: "unsupported_parameter", param: "n" },
  {
    name: "logprobs",
    request: request({ logprobs: true }),
    code: "unsupported_parameter",
    param: "logprobs",
  },
  {
    name: "invalid tool arguments",
    request: request({
      messages: [
        hi,
        {
          role: "assistant",
          tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{oops" } }],
        },
      ],
    }),
    code: "invalid_request",
    param: "messages[1].tool_calls[0].function.arguments",
  },
  {
    name: "array tool arguments",
    request: request({
      messages: [
        hi,
        {
          role: "assistant",
          tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }],
        },
      ],
    }),
    code: "invalid_request",
    param: "messages[1].tool_calls[0].function.arguments",
  },
  {
    name: "tool message without id",
    request: request({ messages: [hi, { role: "tool", content: "x" }] }),
    code: "invalid_request",
    param: "messages[1].tool_call_id",
  },
  {
    name: "legacy function role",
    request: request({ messages: [hi, { role: "function", name: "f", content: "x" }] }),
    code: "unsupported_parameter",
    param: "messages[1].role",
  },
  {
    name: "image path not a url",
    request: request({
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: "/tmp/cat.png" } }] },
      ],
    }),
    code: "invalid_request",
    param: "messages[0].content[0]",
  },
  {
    name: "json schema named like a tool",
    request: request({
      tools: [weatherTool],
      response_format: { type: "json_schema", json_schema: { name: "get_weather", schema } },
    }),
    code: "invalid_request",
    param: "response_format.json_schema.name",
  },
  {
    name: "reasoning with tiny max",
    request: request({ reasoning_effort: "low", max_completion_tokens: 1000 }),
    code: "invalid_request",
    param: "max_completion_tokens",
  },
  {
    name: "unknown reasoning effort",
    request: request({ reasoning_effort: "extreme" as never }),
    code: "invalid_request",
    param: "reasoning_effort",
  },
];

describe("encode request errors", () => {
  for (const { name, request: canonical, code, param } of errorCases) {
    test(name, () => {
      let caught: unknown = null;
      try {
        anthropicCodec.encodeChatRequest(canonical, target);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(NexusError);
      expect((caught as NexusError).code).toBe(code as never);
      expect((caught as NexusError).status).toBe(400);
      expect((caught as NexusError).param).toBe(param);
    });
  }
});

describe("encode request envelope", () => {
  test("url, headers and model", () => {
    const upstream = anthropicCodec.encodeChatRequest(request({}), target);

    expect(upstream.url).toBe("https://api.anthropic.com/v1/messages");
    expect(upstream.method).toBe("POST");
    expect(upstream.headers["x-api-key"]).toBe("sk-ant-test");
    expect(upstream.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(upstream.body).model).toBe("claude-sonnet-4-5");
  });

  test("target headers override version", () => {
    const headers = { "Anthropic-Version": "2024-01-01", "anthropic-beta": "x-2025" };
    const upstream = anthropicCodec.encodeChatRequest(request({}), { ...target, headers });

    expect(upstream.headers["anthropic-version"]).toBe("2024-01-01");
    expect(upstream.headers["anthropic-beta"]).toBe("x-2025");
    expect(
      Object.keys(upstream.headers).filter((name) => name === "anthropic-version"),
    ).toHaveLength(1);
  });

  test("missing credential", () => {
    let caught: unknown = null;
    try {
      anthropicCodec.encodeChatRequest(request({}), { ...target, apiKey: null });
    } catch (error) {
      caught = error;
    }
    expect((caught as NexusError).code).toBe("provider_credentials_missing");
  });

  test("capabilities", () => {
    expect(anthropicCodec.capabilities).toEqual({ multipleChoices: false, embeddings: false });
    expect(anthropicCodec.encodeEmbeddingRequest).toBeUndefined();
  });

  test("request reaches a socket intact", async () => {
    let seen: { headers: Headers; body: AnthropicRequest } | null = null;
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (incoming) => {
        seen = { headers: incoming.headers, body: (await incoming.json()) as AnthropicRequest };
        return Response.json({ ok: true });
      },
    });
    try {
      const upstream = anthropicCodec.encodeChatRequest(request({ stop: "END" }), {
        ...target,
        baseUrl: `http://127.0.0.1:${server.port}`,
      });
      const response = await fetch(upstream.url, upstream);

      expect(response.status).toBe(200);
      expect(seen!.headers.get("x-api-key")).toBe("sk-ant-test");
      expect(seen!.headers.get("anthropic-version")).toBe("2023-06-01");
      expect(seen!.body.stop_sequences).toEqual(["END"]);
    } finally {
      server.stop(true);
    }
  });
});
