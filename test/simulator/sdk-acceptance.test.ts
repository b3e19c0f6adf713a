/**
 * The official OpenAI and Anthropic SDKs, pointed at the simulator, must parse its default
 * responses and streams exactly as they parse the real APIs.
 */

import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { unitVector } from "./openai-embeddings.ts";
import { SIMULATED_MODELS } from "./openai-models.ts";
import { startSimulator, type Simulator } from "./server.ts";

let sim: Simulator;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  sim = await startSimulator();
  anthropic = new Anthropic({
    apiKey: "sk-ant-test",
    baseURL: `${sim.url}/anthropic`,
    maxRetries: 0,
  });
  openai = new OpenAI({ apiKey: "sk-test", baseURL: `${sim.url}/openai/v1`, maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const MULTIBYTE_PROMPT = "Grüße aus Köln ✓ — 東京 🎉 naïve café";

const WEATHER_SCHEMA = {
  type: "object" as const,
  properties: {
    city: { type: "string" },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
    days: { type: "integer", minimum: 1 },
    coords: {
      type: "object",
      properties: { lat: { type: "number" }, lon: { type: "number" } },
      required: ["lat", "lon"],
    },
    tags: { type: "array", items: { type: "string" } },
    note: { type: "string" },
  },
  required: ["city", "unit", "days", "coords", "tags"],
};

const WEATHER_TOOL = {
  type: "function" as const,
  function: { name: "get_weather", parameters: WEATHER_SCHEMA },
};

const WEATHER_ARGS = {
  city: "example",
  unit: "celsius",
  days: 1,
  coords: { lat: 1, lon: 1 },
  tags: ["example"],
};

describe("anthropic sdk", () => {
  test("plain message", async () => {
    const message = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      messages: [{ role: "user", content: "Hello there" }],
    });

    expect(message.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(message.content as unknown[]).toEqual([{ type: "text", text: "Echo: Hello there" }]);
    expect(message.stop_reason).toBe("end_turn");
    // "user" and "Hello there" are 15 characters, so 4 tokens at four characters a token.
    expect(message.usage.input_tokens).toBe(4);
    expect(message.usage.output_tokens).toBe(5);
    expect(sim.requests[0]?.headers.authorization).toBe("Bearer sk-ant-test");
  });

  test("stream with multibyte text", async () => {
    const stream = anthropic.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      messages: [{ role: "user", content: MULTIBYTE_PROMPT }],
    });
    const deltas: string[] = [];
    stream.on("text", (text) => deltas.push(text));
    const message = await stream.finalMessage();

    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(`Echo: ${MULTIBYTE_PROMPT}`);
    const expected = [{ type: "text", text: `Echo: ${MULTIBYTE_PROMPT}` }];
    expect(message.content as unknown[]).toEqual(expected);
    expect(message.usage.output_tokens).toBeGreaterThan(1);
    expect(message.stop_reason).toBe("end_turn");
  });

  test("forced tool call", async () => {
    const tools = [
      { name: "lookup", input_schema: { type: "object" as const, properties: {} } },
      { name: "get_weather", input_schema: WEATHER_SCHEMA },
    ];
    const request = {
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      tools,
      tool_choice: { type: "tool" as const, name: "get_weather" },
      messages: [{ role: "user" as const, content: "Weather in Paris?" }],
    };
    const message = await anthropic.messages.create(request);
    const streamed = await anthropic.messages.stream(request).finalMessage();

    for (const result of [message, streamed]) {
      const block = result.content[0];
      expect(result.stop_reason).toBe("tool_use");
      expect(block?.type).toBe("tool_use");
      if (block?.type !== "tool_use") continue;
      expect(block.id).toMatch(/^toolu_01[0-9A-Za-z]{22}$/);
      expect(block.name).toBe("get_weather");
      expect(block.input).toEqual(WEATHER_ARGS);
    }
  });

  test("tool result gets text", async () => {
    const message = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      tools: [{ name: "get_weather", input_schema: WEATHER_SCHEMA }],
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "toolu_01x", name: "get_weather", input: {} }],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_01x", content: "sunny, 21°C" }],
        },
      ],
    });

    expect(message.stop_reason).toBe("end_turn");
    expect(message.content as unknown[]).toEqual([{ type: "text", text: "Echo: sunny, 21°C" }]);
  });

  test("thinking block with signature", async () => {
    const request = {
      model: "claude-sonnet-4-5",
      max_tokens: 2048,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
      messages: [{ role: "user" as const, content: "Two names for a pelican" }],
    };
    const message = await anthropic.messages.create(request);
    const stream = anthropic.messages.stream(request);
    const thinkingDeltas: string[] = [];
    stream.on("thinking", (delta) => thinkingDeltas.push(delta));
    const streamed = await stream.finalMessage();

    for (const result of [message, streamed]) {
      const [thinking, text] = result.content;
      expect(thinking?.type).toBe("thinking");
      if (thinking?.type === "thinking") {
        expect(thinking.thinking).toContain("Two names for a pelican");
        expect(thinking.signature.length).toBeGreaterThan(40);
      }
      expect(text).toMatchObject({ type: "text", text: "Echo: Two names for a pelican" });
    }
    expect(thinkingDeltas.length).toBeGreaterThan(1);
  });

  test("max_tokens cuts the answer", async () => {
    const message = await anthropic.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 2,
      messages: [{ role: "user", content: "a rather long prompt to echo back" }],
    });

    expect(message.stop_reason).toBe("max_tokens");
    expect(message.content as unknown[]).toEqual([{ type: "text", text: "Echo: a " }]);
  });
});

describe("openai sdk", () => {
  test("plain completion", async () => {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello there" },
      ],
    });

    expect(completion.id).toMatch(/^chatcmpl-[0-9A-Za-z]{29}$/);
    expect(completion.choices[0]?.message.content).toBe("Echo: Hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBe(8);
    expect(completion.usage?.total_tokens).toBe(13);
    expect(sim.requests[0]?.headers.authorization).toBe("Bearer sk-test");
  });

  test("stream with usage chunk", async () => {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: MULTIBYTE_PROMPT }],
    });
    let text = "";
    let contentChunks = 0;
    let usageChunk: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) {
        text += content;
        contentChunks += 1;
      }
      if (chunk.usage) usageChunk = chunk;
    }

    expect(text).toBe(`Echo: ${MULTIBYTE_PROMPT}`);
    expect(contentChunks).toBeGreaterThan(3);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  test("stream helper final completion", async () => {
    const runner = openai.chat.completions.stream({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
    });
    const completion = await runner.finalChatCompletion();

    expect(completion.choices[0]?.message.content).toBe("Echo: Hi");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  test("required tool call", async () => {
    const request = {
      model: "gpt-4o-mini",
      tool_choice: "required" as const,
      tools: [WEATHER_TOOL],
      messages: [{ role: "user" as const, content: "Weather in Paris?" }],
    };
    const completion = await openai.chat.completions.create(request);
    const streamed = await openai.chat.completions.stream(request).finalChatCompletion();

    for (const result of [completion, streamed]) {
      const call = result.choices[0]?.message.tool_calls?.[0];
      expect(result.choices[0]?.finish_reason).toBe("tool_calls");
      expect(call?.id).toMatch(/^call_[0-9A-Za-z]{24}$/);
      expect(call?.type).toBe("function");
      if (call?.type !== "function") continue;
      expect(call.function.name).toBe("get_weather");
      expect(JSON.parse(call.function.arguments)).toEqual(WEATHER_ARGS);
    }
  });

  test("tool result gets text", async () => {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      tools: [WEATHER_TOOL],
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
    });

    expect(completion.choices[0]?.message.content).toBe("Echo: sunny");
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
  });

  test("embeddings float and base64", async () => {
    const inputs = ["alpha", "beta"];
    const floats = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: inputs,
      encoding_format: "float",
    });
    // The SDK requests base64 when no format is given, then decodes the float32 values.
    const decoded = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: inputs,
    });
    const sized = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: "alpha",
      dimensions: 5,
    });

    const floatVectors = floats.data.map((item) => item.embedding);
    expect(floatVectors).toEqual(inputs.map((input) => unitVector(input, 8)));
    expect(decoded.data.map((item) => item.embedding)).toEqual(floatVectors);
    expect(sim.requests[1]?.body).toMatchObject({ encoding_format: "base64" });
    expect(sized.data[0]?.embedding).toHaveLength(5);
    const norm = Math.hypot(...(floats.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 5);
    expect(floats.usage.prompt_tokens).toBe(3);
  });

  test("models list", async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);

    expect(ids).toEqual(SIMULATED_MODELS.map((model) => model.id));
  });
});
