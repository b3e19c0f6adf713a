import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { buildBody, encodeChatRequest } from "../../../runtime/providers/bedrock/encode-request.ts";
import { MODEL_ID, targetFor } from "./frames.ts";

function body(request: Partial<ChatRequest>, modelId = MODEL_ID) {
  const base: ChatRequest = { model: "m", messages: [{ role: "user", content: "hi" }] };
  return buildBody({ ...base, ...request }, modelId);
}

function rejection(run: () => unknown): NexusError {
  try {
    run();
  } catch (error) {
    if (error instanceof NexusError) return error;
    throw error;
  }
  throw new Error("expected a NexusError");
}

describe("Bedrock request encoding", () => {
  test("URL, method and headers", () => {
    const plain = encodeChatRequest({ model: "m", messages: [{ role: "user", content: "hi" }] },
      targetFor({ baseUrl: "http://127.0.0.1:9/bedrock/" }));
    const model = encodeURIComponent(MODEL_ID);
    expect(plain.url).toBe(`http://127.0.0.1:9/bedrock/model/${model}/converse`);
    expect(plain.method).toBe("POST");
    expect(plain.headers).toEqual({
      "content-type": "application/json",
      accept: "application/json",
    });

    const streamed = encodeChatRequest(
      { model: "m", messages: [{ role: "user", content: "hi" }], stream: true },
      targetFor({ upstreamModel: "arn:aws:bedrock:us-east-1:1:inference-profile/x" }),
    );
    expect(streamed.url).toEndWith(
      "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse-stream",
    );
    expect(streamed.headers.accept).toBe("application/vnd.amazon.eventstream");
  });

  test("missing credentials rejected", () => {
    const error = rejection(() => encodeChatRequest({ model: "m", messages: [] },
      targetFor({ credentials: {} })));
    expect(error.code).toBe("provider_credentials_missing");
  });

  test("system, turns and inference config", () => {
    const encoded = body({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Use metric units." }] },
        { role: "user", content: "Hi" },
        { role: "user", content: [{ type: "text", text: "there" }] },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Weather?" },
      ],
      max_tokens: 300,
      temperature: 1.5,
      top_p: 0.9,
      stop: "END",
      seed: 7,
    });

    expect(encoded.system).toEqual([{ text: "Be brief." }, { text: "Use metric units." }]);
    expect(encoded.messages).toEqual([
      { role: "user", content: [{ text: "Hi" }, { text: "there" }] },
      { role: "assistant", content: [{ text: "Hello" }] },
      { role: "user", content: [{ text: "Weather?" }] },
    ]);
    // Anthropic models take temperature up to 1.
    expect(encoded.inferenceConfig).toEqual({
      maxTokens: 300,
      temperature: 1,
      topP: 0.9,
      stopSequences: ["END"],
    });
    expect(encoded.toolConfig).toBeUndefined();
    expect(encoded.additionalModelRequestFields).toBeUndefined();
  });

  test("temperature kept for other models", () => {
    const encoded = body({ temperature: 1.5, stop: ["a", "b"] }, "amazon.nova-pro-v1:0");
    expect(encoded.inferenceConfig).toEqual({ temperature: 1.5, stopSequences: ["a", "b"] });
  });

  test("image data URL becomes bytes", () => {
    const encoded = body({
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
        ],
      }],
    });
    expect(encoded.messages[0]!.content).toEqual([
      { text: "What is this?" },
      { image: { format: "jpeg", source: { bytes: "/9j/4AAQ" } } },
    ]);
  });

  test("image URL rejected", () => {
    const error = rejection(() => body({
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }],
      }],
    }));
    expect(error.code).toBe("unsupported_parameter");
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages[0].content[0].image_url.url");
  });

  test("tool round trip turns", () => {
    const encoded = body({
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          reasoning_content: "I should call the tool.",
          reasoning_details: [
            { type: "thinking", signature: "sig" },
            { type: "redacted_thinking", data: "cmVk" },
          ],
          tool_calls: [
            {
              id: "t1",
              type: "function",
              function: { name: "weather", arguments: '{"city":"Paris"}' },
            },
            { id: "t2", type: "function", function: { name: "weather", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "t1", content: "18C" },
        { role: "tool", tool_call_id: "t2", content: [{ type: "text", text: "21C" }] },
      ],
      tools: [{
        type: "function",
        function: { name: "weather", description: "Weather", parameters: { type: "object" } },
      }],
      tool_choice: "required",
    });

    expect(encoded.messages).toEqual([
      { role: "user", content: [{ text: "Weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          {
            reasoningContent: {
              reasoningText: { text: "I should call the tool.", signature: "sig" },
            },
          },
          { reasoningContent: { redactedContent: "cmVk" } },
          { toolUse: { toolUseId: "t1", name: "weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "t2", name: "weather", input: {} } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "t1", content: [{ text: "18C" }] } },
          { toolResult: { toolUseId: "t2", content: [{ text: "21C" }] } },
        ],
      },
    ]);
    expect(encoded.toolConfig).toEqual({
      tools: [{
        toolSpec: {
          name: "weather",
          description: "Weather",
          inputSchema: { json: { type: "object" } },
        },
      }],
      toolChoice: { any: {} },
    });
  });

  test("tool choices", () => {
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    expect(body({ tools }).toolConfig).toEqual({
      tools: [{
        toolSpec: { name: "f", inputSchema: { json: { type: "object", properties: {} } } },
      }],
    });
    expect(body({ tools, tool_choice: "auto" }).toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(body({ tools, tool_choice: { type: "function", function: { name: "f" } } })
      .toolConfig?.toolChoice).toEqual({ tool: { name: "f" } });
    expect(body({ tools, tool_choice: "none" }).toolConfig).toBeUndefined();
  });

  test("JSON schema via forced tool", () => {
    const schema = { type: "object", properties: { n: { type: "number" } } };
    const encoded = body({
      response_format: { type: "json_schema", json_schema: { name: "answer", schema } },
    });
    expect(encoded.toolConfig).toEqual({
      tools: [{
        toolSpec: {
          name: "answer",
          description: "Return the final answer as JSON that matches this schema.",
          inputSchema: { json: schema },
        },
      }],
      toolChoice: { tool: { name: "answer" } },
    });
    expect(encoded.system).toBeUndefined();
  });

  test("reasoning effort to thinking", () => {
    const encoded = body({ reasoning_effort: "low" });
    expect(encoded.additionalModelRequestFields).toEqual({
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
    expect(encoded.inferenceConfig?.maxTokens).toBe(2048 + 4096);

    // With thinking on, a JSON tool cannot be forced, so the system prompt requests it.
    const json = body({ reasoning_effort: "low", response_format: { type: "json_object" } });
    expect(json.toolConfig?.toolChoice).toEqual({ auto: {} });
    expect(json.system?.at(-1)?.text).toContain("json_response");
  });

  test("reasoning on other models rejected", () => {
    const error = rejection(() => body({ reasoning_effort: "high" }, "amazon.nova-pro-v1:0"));
    expect(error.code).toBe("unsupported_parameter");
    expect(error.param).toBe("reasoning_effort");
  });

  const unsupported: [string, Partial<ChatRequest>][] = [
    ["n", { n: 2 }],
    ["logprobs", { logprobs: true }],
    ["functions", { functions: [{ name: "f" }] }],
  ];
  for (const [param, request] of unsupported) {
    test(`${param} rejected`, () => {
      const error = rejection(() => body(request));
      expect(error.code).toBe("unsupported_parameter");
      expect(error.param).toBe(param);
    });
  }
});
