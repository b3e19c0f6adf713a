import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { cohereCodec } from "../../../runtime/providers/cohere/codec.ts";
import { buildBody } from "../../../runtime/providers/cohere/encode-request.ts";
import { target } from "./fixtures.ts";

const user = { role: "user" as const, content: "hi" };
const weatherTool = {
  type: "function" as const,
  function: {
    name: "weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};
const clockTool = { type: "function" as const, function: { name: "clock" } };

function request(fields: Partial<ChatRequest>): ChatRequest {
  return { model: "client-model", messages: [user], ...fields };
}

/** Each case: a canonical request and the Cohere body fields it must produce. */
const BODY_CASES: { name: string; request: ChatRequest; body: Record<string, unknown> }[] = [
  {
    name: "plain user message",
    request: request({}),
    body: { model: "command-a-03-2025", messages: [{ role: "user", content: "hi" }] },
  },
  {
    name: "system and developer roles",
    request: request({
      messages: [
        { role: "system", content: "be brief" },
        { role: "developer", content: [{ type: "text", text: "use French" }] },
        user,
      ],
    }),
    body: {
      messages: [
        { role: "system", content: "be brief" },
        { role: "system", content: [{ type: "text", text: "use French" }] },
        { role: "user", content: "hi" },
      ],
    },
  },
  {
    name: "image part",
    request: request({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          ],
        },
      ],
    }),
    body: {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          ],
        },
      ],
    },
  },
  {
    name: "assistant tool call, plan from content",
    request: request({
      messages: [
        user,
        {
          role: "assistant",
          content: "I will check the weather.",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "weather", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
      ],
    }),
    body: {
      messages: [
        { role: "user", content: "hi" },
        {
          role: "assistant",
          tool_plan: "I will check the weather.",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
      ],
    },
  },
  {
    name: "assistant tool call, explicit tool_plan",
    request: request({
      messages: [
        {
          role: "assistant",
          content: null,
          tool_plan: "Plan kept by the client.",
          tool_calls: [
            { id: "c2", type: "function", function: { name: "clock", arguments: "{\"tz\":1}" } },
          ],
        },
      ],
    }),
    body: {
      messages: [
        {
          role: "assistant",
          tool_plan: "Plan kept by the client.",
          tool_calls: [
            { id: "c2", type: "function", function: { name: "clock", arguments: "{\"tz\":1}" } },
          ],
        },
      ],
    },
  },
  {
    name: "assistant with reasoning",
    request: request({
      messages: [user, { role: "assistant", content: "4", reasoning_content: "2+2" }],
    }),
    body: {
      messages: [
        { role: "user", content: "hi" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "2+2" },
            { type: "text", text: "4" },
          ],
        },
      ],
    },
  },
  {
    name: "tools with auto choice",
    request: request({ tools: [weatherTool, clockTool], tool_choice: "auto" }),
    body: {
      tools: [
        weatherTool,
        {
          type: "function",
          function: { name: "clock", parameters: { type: "object", properties: {} } },
        },
      ],
      tool_choice: undefined,
    },
  },
  {
    name: "tool_choice required",
    request: request({ tools: [weatherTool], tool_choice: "required" }),
    body: { tools: [weatherTool], tool_choice: "REQUIRED" },
  },
  {
    name: "tool_choice none",
    request: request({ tools: [weatherTool], tool_choice: "none" }),
    body: { tools: [weatherTool], tool_choice: "NONE" },
  },
  {
    name: "named tool_choice narrows tools",
    request: request({
      tools: [weatherTool, clockTool],
      tool_choice: { type: "function", function: { name: "weather" } },
    }),
    body: { tools: [weatherTool], tool_choice: "REQUIRED" },
  },
  {
    name: "strict tool",
    request: request({
      tools: [{ type: "function", function: { ...weatherTool.function, strict: true } }],
    }),
    body: { tools: [weatherTool], strict_tools: true },
  },
  {
    name: "json_object",
    request: request({ response_format: { type: "json_object" } }),
    body: { response_format: { type: "json_object" } },
  },
  {
    name: "json_schema",
    request: request({
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object", required: ["a"] } },
      },
    }),
    body: {
      response_format: { type: "json_object", json_schema: { type: "object", required: ["a"] } },
    },
  },
  {
    name: "response_format text",
    request: request({ response_format: { type: "text" } }),
    body: { response_format: undefined },
  },
  {
    name: "sampling parameters",
    request: request({
      max_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 7,
      stop: ["END", ""],
      frequency_penalty: 0.1,
      presence_penalty: 0.3,
    }),
    body: {
      max_tokens: 50,
      temperature: 0.2,
      p: 0.9,
      k: 40,
      seed: 7,
      stop_sequences: ["END"],
      frequency_penalty: 0.1,
      presence_penalty: 0.3,
    },
  },
  {
    name: "max_completion_tokens wins",
    request: request({ max_tokens: 50, max_completion_tokens: 80, stop: "STOP" }),
    body: { max_tokens: 80, stop_sequences: ["STOP"] },
  },
  {
    name: "stream",
    request: request({ stream: true, stream_options: { include_usage: true } }),
    body: { stream: true },
  },
  {
    name: "reasoning_effort high",
    request: request({ reasoning_effort: "high" }),
    body: { thinking: { type: "enabled" } },
  },
  {
    name: "reasoning_effort minimal",
    request: request({ reasoning_effort: "minimal" }),
    body: { thinking: { type: "disabled" } },
  },
  {
    name: "cohere thinking object",
    request: request({
      reasoning_effort: "minimal",
      thinking: { type: "enabled", token_budget: 512 },
    }),
    body: { thinking: { type: "enabled", token_budget: 512 } },
  },
];

describe("Cohere request body", () => {
  for (const { name, request: canonical, body } of BODY_CASES) {
    test(name, () => {
      const encoded = buildBody(canonical, "command-a-03-2025") as unknown as Record<
        string,
        unknown
      >;
      for (const [field, value] of Object.entries(body)) expect(encoded[field]).toEqual(value);
    });
  }
});

/** Each case: a request Cohere cannot take and the error code and param it must raise. */
const REJECT_CASES: { name: string; request: ChatRequest; code: string; param: string }[] = [
  { name: "n above 1", request: request({ n: 2 }), code: "unsupported_parameter", param: "n" },
  {
    name: "logprobs",
    request: request({ logprobs: true }),
    code: "unsupported_parameter",
    param: "logprobs",
  },
  {
    name: "legacy functions",
    request: request({ functions: [] }),
    code: "unsupported_parameter",
    param: "functions",
  },
  {
    name: "function role",
    request: request({ messages: [{ role: "function", content: "x", name: "f" }] }),
    code: "unsupported_parameter",
    param: "messages[0].role",
  },
  {
    name: "tool message without id",
    request: request({ messages: [{ role: "tool", content: "x" }] }),
    code: "invalid_request",
    param: "messages[0].tool_call_id",
  },
  {
    name: "audio part",
    request: request({
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }],
    }),
    code: "unsupported_parameter",
    param: "messages[0].content[0]",
  },
  {
    name: "unknown named tool",
    request: request({
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "clock" } },
    }),
    code: "invalid_request",
    param: "tool_choice",
  },
  {
    name: "bad thinking budget",
    request: request({ thinking: { type: "enabled", token_budget: 0 } }),
    code: "invalid_request",
    param: "thinking.token_budget",
  },
];

describe("Cohere request rejections", () => {
  for (const { name, request: canonical, code, param } of REJECT_CASES) {
    test(name, () => {
      let caught: unknown = null;
      try {
        buildBody(canonical, "command-a-03-2025");
      } catch (error) {
        caught = error;
      }
      expect((caught as { code?: string }).code).toBe(code);
      expect((caught as { param?: string }).param).toBe(param);
      expect((caught as { status?: number }).status).toBe(400);
    });
  }
});

describe("Cohere upstream request", () => {
  test("url and bearer header", () => {
    const upstream = cohereCodec.encodeChatRequest(request({}), target);
    expect(upstream.url).toBe("https://api.cohere.com/v2/chat");
    expect(upstream.method).toBe("POST");
    expect(upstream.headers.authorization).toBe("Bearer co-test-key");
    expect(upstream.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(upstream.body).model).toBe("command-a-03-2025");
  });

  test("stream asks for event-stream", () => {
    const upstream = cohereCodec.encodeChatRequest(request({ stream: true }), target);
    expect(upstream.headers.accept).toBe("text/event-stream");
  });

  test("configured headers override", () => {
    const withHeaders = { ...target, headers: { "X-Client-Name": "nexus" } };
    const upstream = cohereCodec.encodeChatRequest(request({}), withHeaders);
    expect(upstream.headers["x-client-name"]).toBe("nexus");
  });

  test("missing key raises", () => {
    const keyless = { ...target, apiKey: null };
    expect(() => cohereCodec.encodeChatRequest(request({}), keyless)).toThrow(
      expect.objectContaining({ code: "provider_credentials_missing" }),
    );
  });
});
