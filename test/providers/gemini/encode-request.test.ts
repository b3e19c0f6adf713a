import { describe, expect, test } from "bun:test";
import type { ChatMessage, ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { geminiCodec } from "../../../runtime/providers/gemini/codec.ts";
import { buildBody } from "../../../runtime/providers/gemini/encode-request.ts";
import { targetFor } from "./fixtures.ts";

function request(extra: Partial<ChatRequest>): ChatRequest {
  return { model: "m", messages: [{ role: "user", content: "hi" }], ...extra };
}

const weatherTool = {
  type: "function" as const,
  function: {
    name: "weather",
    description: "Weather now",
    parameters: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      additionalProperties: false,
      properties: {
        location: { type: "string" },
        // A property may be named like a rejected keyword; only keywords are dropped.
        default: { type: "object", additionalProperties: false, properties: {} },
      },
      required: ["location"],
    },
  },
};

const signedCall = {
  id: "call_0",
  type: "function" as const,
  function: { name: "weather", arguments: '{"location":"Paris"}' },
  extra_content: { google: { thought_signature: "sig-call" } },
};

interface Case {
  name: string;
  request: ChatRequest;
  /** The fields of the encoded body this case pins. */
  expected: Record<string, unknown>;
  model?: string;
}

const CASES: Case[] = [
  {
    name: "system and developer messages become systemInstruction",
    request: request({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Use French." }] },
        { role: "user", content: "hi" },
      ],
    }),
    expected: {
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "Use French." }] },
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
    },
  },
  {
    name: "assistant turns take the model role",
    request: request({
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: "again" },
      ],
    }),
    expected: {
      contents: [
        { role: "user", parts: [{ text: "hi" }] },
        { role: "model", parts: [{ text: "hello" }] },
        { role: "user", parts: [{ text: "again" }] },
      ],
    },
  },
  {
    name: "a data URL image is inline and a link is fileData with a guessed type",
    request: request({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.webp?x=1" } },
            { type: "image_url", image_url: { url: "https://example.com/image" } },
          ],
        },
      ],
    }),
    expected: {
      contents: [
        {
          role: "user",
          parts: [
            { text: "look" },
            { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
            { fileData: { mimeType: "image/webp", fileUri: "https://example.com/cat.webp?x=1" } },
            { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/image" } },
          ],
        },
      ],
    },
  },
  {
    name: "tools become functionDeclarations without rejected schema keywords",
    request: request({ tools: [weatherTool] }),
    expected: {
      tools: [
        {
          functionDeclarations: [
            {
              name: "weather",
              description: "Weather now",
              parameters: {
                type: "object",
                properties: {
                  location: { type: "string" },
                  default: { type: "object", properties: {} },
                },
                required: ["location"],
              },
            },
          ],
        },
      ],
    },
  },
  {
    name: "tool_choice auto",
    request: request({ tools: [weatherTool], tool_choice: "auto" }),
    expected: { toolConfig: { functionCallingConfig: { mode: "AUTO" } } },
  },
  {
    name: "tool_choice none",
    request: request({ tools: [weatherTool], tool_choice: "none" }),
    expected: { toolConfig: { functionCallingConfig: { mode: "NONE" } } },
  },
  {
    name: "tool_choice required",
    request: request({ tools: [weatherTool], tool_choice: "required" }),
    expected: { toolConfig: { functionCallingConfig: { mode: "ANY" } } },
  },
  {
    name: "tool_choice naming a function",
    request: request({
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "weather" } },
    }),
    expected: {
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["weather"] } },
    },
  },
  {
    name: "tool calls and results round-trip with their signature and name",
    request: request({
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [signedCall] },
        { role: "tool", tool_call_id: "call_0", content: '{"temp":21}' },
        { role: "tool", tool_call_id: "call_0", content: "sunny" },
      ],
    }),
    expected: {
      contents: [
        { role: "user", parts: [{ text: "weather?" }] },
        {
          role: "model",
          parts: [
            {
              functionCall: { name: "weather", args: { location: "Paris" } },
              thoughtSignature: "sig-call",
            },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "weather", response: { temp: 21 } } },
            { functionResponse: { name: "weather", response: { content: "sunny" } } },
          ],
        },
      ],
    },
  },
  {
    name: "an unsigned call to a Gemini 3 model gets the documented skip value",
    model: "gemini-3-pro-preview",
    request: request({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          tool_calls: [{ ...signedCall, extra_content: undefined }, { ...signedCall, id: "b" }],
        } as ChatMessage,
      ],
    }),
    expected: {
      contents: [
        { role: "user", parts: [{ text: "weather?" }] },
        {
          role: "model",
          parts: [
            {
              functionCall: { name: "weather", args: { location: "Paris" } },
              thoughtSignature: "skip_thought_signature_validator",
            },
            {
              functionCall: { name: "weather", args: { location: "Paris" } },
              thoughtSignature: "sig-call",
            },
          ],
        },
      ],
    },
  },
  {
    name: "a text signature from reasoning_details goes back on the text part",
    request: request({
      messages: [
        { role: "user", content: "hi" },
        {
          role: "assistant",
          content: "hello",
          reasoning_content: "thinking aloud",
          reasoning_details: [{ type: "thinking", signature: "sig-text" }],
        },
      ],
    }),
    expected: {
      contents: [
        { role: "user", parts: [{ text: "hi" }] },
        { role: "model", parts: [{ text: "hello", thoughtSignature: "sig-text" }] },
      ],
    },
  },
  {
    name: "json_object sets the response MIME type",
    request: request({ response_format: { type: "json_object" } }),
    expected: { generationConfig: { responseMimeType: "application/json" } },
  },
  {
    name: "json_schema sends the schema as responseJsonSchema",
    request: request({
      response_format: {
        type: "json_schema",
        json_schema: { name: "x", schema: { type: "object", additionalProperties: false } },
      },
    }),
    expected: {
      generationConfig: {
        responseMimeType: "application/json",
        responseJsonSchema: { type: "object", additionalProperties: false },
      },
    },
  },
  {
    name: "sampling and length settings",
    request: request({
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      stop: "END",
      n: 2,
      seed: 7,
    }),
    expected: {
      generationConfig: {
        maxOutputTokens: 50,
        temperature: 0.3,
        topP: 0.9,
        stopSequences: ["END"],
        candidateCount: 2,
        seed: 7,
      },
    },
  },
  {
    name: "max_completion_tokens wins over max_tokens and a stop list passes as is",
    request: request({ max_tokens: 50, max_completion_tokens: 80, stop: ["a", "b"] }),
    expected: { generationConfig: { maxOutputTokens: 80, stopSequences: ["a", "b"] } },
  },
  {
    name: "reasoning_effort becomes a thinking budget with thoughts included",
    request: request({ reasoning_effort: "low" }),
    expected: {
      generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
    },
  },
  {
    name: "reasoning_effort on Gemini 3 Pro becomes a thinking level",
    model: "gemini-3-pro-preview",
    request: request({ reasoning_effort: "medium" }),
    expected: {
      generationConfig: { thinkingConfig: { thinkingLevel: "high", includeThoughts: true } },
    },
  },
  {
    name: "reasoning_effort on Gemini 3 Flash keeps its level",
    model: "gemini-3-flash-preview",
    request: request({ reasoning_effort: "minimal" }),
    expected: {
      generationConfig: { thinkingConfig: { thinkingLevel: "minimal", includeThoughts: true } },
    },
  },
];

describe("buildBody", () => {
  for (const entry of CASES) {
    test(entry.name, () => {
      const body = buildBody(entry.request, entry.model ?? "gemini-2.5-flash") as unknown;
      expect(body).toMatchObject(entry.expected);
    });
  }

  test("a plain request sends no optional fields", () => {
    const body = buildBody(request({}), "gemini-2.5-flash");
    expect(Object.keys(body)).toEqual(["contents"]);
  });
});

describe("encodeChatRequest", () => {
  test("non-streaming URL and key header", () => {
    const upstream = geminiCodec.encodeChatRequest(request({}), targetFor());
    expect(upstream.url).toBe("http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:generateContent");
    expect(upstream.headers["x-goog-api-key"]).toBe("test-key");
    expect(upstream.headers["content-type"]).toBe("application/json");
    expect(upstream.method).toBe("POST");
  });

  test("streaming URL asks for SSE", () => {
    const upstream = geminiCodec.encodeChatRequest(request({ stream: true }), targetFor());
    expect(upstream.url).toBe(
      "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    expect(JSON.parse(upstream.body).stream).toBeUndefined();
  });

  test("a target without a key is refused", () => {
    const target = { ...targetFor(), apiKey: null };
    expect(() => geminiCodec.encodeChatRequest(request({}), target)).toThrow(NexusError);
  });
});

const REJECTED: { name: string; request: ChatRequest; code: string; param: string }[] = [
  {
    name: "a tool result for an unknown call",
    request: request({ messages: [{ role: "tool", tool_call_id: "nope", content: "x" }] }),
    code: "invalid_request",
    param: "messages[0].tool_call_id",
  },
  {
    name: "tool call arguments that are not JSON",
    request: request({
      messages: [
        {
          role: "assistant",
          tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{" } }],
        },
      ],
    }),
    code: "invalid_request",
    param: "messages[0].tool_calls[0].function.arguments",
  },
  {
    name: "an audio part",
    request: request({ messages: [{ role: "user", content: [{ type: "input_audio" }] }] }),
    code: "unsupported_parameter",
    param: "messages[0].content[0].type",
  },
  {
    name: "log probabilities",
    request: request({ logprobs: true }),
    code: "unsupported_parameter",
    param: "logprobs",
  },
  {
    name: "an image URL of another scheme",
    request: request({
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x" } }] }],
    }),
    code: "invalid_request",
    param: "messages[0].content[0].image_url.url",
  },
];

describe("requests Gemini cannot take", () => {
  for (const entry of REJECTED) {
    test(entry.name, () => {
      let caught: unknown = null;
      try {
        buildBody(entry.request, "gemini-2.5-flash");
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(NexusError);
      expect((caught as NexusError).code).toBe(entry.code as NexusError["code"]);
      expect((caught as NexusError).param).toBe(entry.param);
    });
  }
});
