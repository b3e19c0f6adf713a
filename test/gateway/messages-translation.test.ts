import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { fixturesAvailable } from "../support/fixtures.ts";
import { type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
let client: Anthropic;

beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => ({
      providers: {
        gemini: upstreamProvider("gemini", `${url}/gemini`),
        cohere: upstreamProvider("cohere", `${url}/cohere`),
        deepseek: upstreamProvider("deepseek", `${url}/openai/v1`),
      },
      models: {
        "gemini-test": { provider: "gemini", upstreamModel: "gemini-2.5-flash", price: PRICE },
        "cohere-test": { provider: "cohere", upstreamModel: "command-a-03-2025", price: PRICE },
        "deepseek-test": {
          provider: "deepseek",
          upstreamModel: "deepseek-reasoner",
          price: PRICE,
        },
      },
    }),
  });
  key = await harness.createKey({ project: "translated" });
  client = new Anthropic({ baseURL: harness.gateway.url, apiKey: key, maxRetries: 0 });
});
afterEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

const PRICE = { inputPerMTok: 1, outputPerMTok: 4 };

function upstreamProvider(type: string, baseUrl: string) {
  return {
    type,
    baseUrl,
    apiKeyEnv: SIMULATOR_KEY_ENV,
    timeoutMs: 2000,
    streamIdleTimeoutMs: 1000,
  };
}

/** Returns the body of the request the simulator received last. */
function lastUpstream(): { provider: string; path: string; body: Record<string, unknown> } {
  const last = harness.simulator.requests.at(-1);
  if (last === undefined) throw new Error("the simulator received no request");
  return { provider: last.provider, path: last.path, body: last.body as Record<string, unknown> };
}

/** Sends a raw request, for what the SDK cannot send or hides (bad JSON, raw SSE). */
function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Splits an SSE body into events, checking that each `event:` names its data's `type`. */
function parseEvents(text: string): SseEvent[] {
  return text.split("\n\n").filter((block) => block.startsWith("event: ")).map((block) => {
    const [eventLine = "", dataLine = ""] = block.split("\n");
    const event = eventLine.slice("event: ".length);
    const data = JSON.parse(dataLine.slice("data: ".length)) as Record<string, unknown>;
    expect(data.type).toBe(event);
    return { event, data };
  });
}

const weatherTool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: {
    type: "object" as const,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

describe("Anthropic SDK to an OpenAI-format model", () => {
  test("non-streaming text", async () => {
    // The SDK's 1.17 types omit temperature, which the API still takes.
    const params = {
      model: "gpt-test",
      max_tokens: 64,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      metadata: { user_id: "user-42" },
      stop_sequences: ["STOP"],
      temperature: 0.5,
      messages: [{ role: "user", content: "Hello there" }],
    } as Anthropic.MessageCreateParamsNonStreaming;
    const { data: message, response } = await client.messages.create(params).withResponse();

    expect(message.id).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.model).toBe("gpt-test");
    expect(message.content).toEqual([
      { type: "text", text: "Echo: Hello there", citations: null },
    ]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.stop_sequence).toBeNull();
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.cache_read_input_tokens).toBe(0);

    const upstream = lastUpstream();
    expect(upstream.provider).toBe("openai");
    expect(upstream.path).toEndWith("/chat/completions");
    expect(upstream.body.model).toBe("gpt-4o-mini");
    expect(upstream.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hello there" },
    ]);
    expect(upstream.body.max_completion_tokens).toBe(64);
    expect(upstream.body.max_tokens).toBeUndefined();
    expect(upstream.body.user).toBe("user-42");
    expect(upstream.body.stop).toEqual(["STOP"]);
    expect(upstream.body.temperature).toBe(0.5);

    const requestId = response.headers.get("request-id") ?? "";
    expect(requestId).toMatch(/^req_/);
    const event = await harness.event(requestId);
    expect(event?.route).toBe("/v1/messages");
    expect(event?.status).toBe(200);
    expect(event?.provider).toBe("openai");
    expect(event?.project).toBe("translated");
    expect(event?.model).toBe("gpt-test");
    expect(event?.inputTokens).toBe(message.usage.input_tokens);
    expect(event?.outputTokens).toBe(message.usage.output_tokens);
    expect(event?.costUsd).toBeGreaterThan(0);
  });

  test("streaming text with the stream helper", async () => {
    const stream = client.messages.stream({
      model: "gpt-test",
      max_tokens: 256,
      messages: [{ role: "user", content: "Stream me a reply, with ünïcödé ✓" }],
    });
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();

    expect(text).toBe("Echo: Stream me a reply, with ünïcödé ✓");
    expect(message.content as unknown[]).toEqual([{ type: "text", text }]);
    expect(message.model).toBe("gpt-test");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(1);
    expect(lastUpstream().body.stream).toBe(true);

    const event = await harness.event(stream.request_id ?? "");
    expect(event?.stream).toBe(true);
    expect(event?.status).toBe(200);
    expect(event?.inputTokens).toBe(message.usage.input_tokens);
    expect(event?.outputTokens).toBe(message.usage.output_tokens);
    expect(event?.ttftMs).not.toBeNull();
    expect(event?.detail.usage_estimated).toBeUndefined();
  });

  test("stream follows Anthropic's event order", async () => {
    const response = await post({
      model: "gpt-test",
      max_tokens: 64,
      stream: true,
      messages: [{ role: "user", content: "order" }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const events = parseEvents(await response.text());
    const types = events.map((event) => event.event);

    expect(types[0]).toBe("message_start");
    expect(types[1]).toBe("content_block_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(new Set(types.slice(2, -3))).toEqual(new Set(["content_block_delta"]));

    const start = events[0]?.data.message as Record<string, unknown>;
    expect(start.model).toBe("gpt-test");
    expect(start.content).toEqual([]);
    expect(start.stop_reason).toBeNull();
    expect(start.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });
    expect(events[1]?.data).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    const delta = events.at(-2)?.data as { delta: unknown; usage: Record<string, unknown> };
    expect(delta.delta).toEqual({ stop_reason: "end_turn", stop_sequence: null });
    expect(delta.usage.input_tokens).toBeGreaterThan(0);
    expect(delta.usage.output_tokens).toBeGreaterThan(0);
    expect(delta.usage.cache_read_input_tokens).toBe(0);
  });
});

describe("tool use through translation", () => {
  test("tool_use, tool_result, answer", async () => {
    const question = { role: "user" as const, content: "Weather in Paris?" };
    const first = await client.messages.create({
      model: "gpt-test",
      max_tokens: 256,
      tools: [weatherTool],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      messages: [question],
    });
    expect(first.stop_reason).toBe("tool_use");
    const call = first.content.find((block) => block.type === "tool_use");
    if (call?.type !== "tool_use") throw new Error("expected a tool_use block");
    expect(call.name).toBe("get_weather");
    expect(call.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(typeof (call.input as { city?: unknown }).city).toBe("string");

    const sent = lastUpstream().body;
    expect(sent.tools).toEqual([{
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather for a city",
        parameters: weatherTool.input_schema,
      },
    }]);
    expect(sent.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(sent.parallel_tool_calls).toBe(false);

    const answer = await client.messages.create({
      model: "gpt-test",
      max_tokens: 256,
      tools: [weatherTool],
      messages: [
        question,
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: call.id, content: "Sunny, 24 °C" },
          ],
        },
      ],
    });
    expect(answer.stop_reason).toBe("end_turn");
    expect(answer.content).toEqual([
      { type: "text", text: "Echo: Sunny, 24 °C", citations: null },
    ]);

    const replay = lastUpstream().body.messages as Record<string, unknown>[];
    expect(replay[1]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{
        id: call.id,
        type: "function",
        function: { name: "get_weather", arguments: JSON.stringify(call.input) },
      }],
    });
    expect(replay[2]).toEqual({ role: "tool", tool_call_id: call.id, content: "Sunny, 24 °C" });
  });

  test("tool result flagged is_error", async () => {
    await client.messages.create({
      model: "gpt-test",
      max_tokens: 64,
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
        ] },
        { role: "user", content: [
          { type: "tool_result", tool_use_id: "toolu_1", is_error: true,
            content: [{ type: "text", text: "timeout" }] },
          { type: "text", text: "try again" },
        ] },
      ],
    });
    const replay = lastUpstream().body.messages as Record<string, unknown>[];
    expect(replay.slice(2)).toEqual([
      { role: "tool", tool_call_id: "toolu_1", content: "Error: timeout" },
      { role: "user", content: "try again" },
    ]);
  });

  test("streamed arguments arrive as input_json_delta", async () => {
    const stream = client.messages.stream({
      model: "gpt-test",
      max_tokens: 256,
      tools: [weatherTool],
      tool_choice: { type: "any" },
      messages: [{ role: "user", content: "Weather in Rome?" }],
    });
    const partials: string[] = [];
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_delta" && event.delta.type === "input_json_delta") {
        partials.push(event.delta.partial_json);
      }
    });
    const message = await stream.finalMessage();

    expect(lastUpstream().body.tool_choice).toBe("required");
    expect(partials.length).toBeGreaterThan(1);
    expect(message.stop_reason).toBe("tool_use");
    const call = message.content.find((block) => block.type === "tool_use");
    if (call?.type !== "tool_use") throw new Error("expected a tool_use block");
    expect(call.name).toBe("get_weather");
    expect(call.input).toEqual(JSON.parse(partials.join("")));
    expect(typeof (call.input as { city?: unknown }).city).toBe("string");
  });
});

describe.skipIf(!fixturesAvailable())("reasoning from an OpenAI-compatible provider", () => {
  test("reasoning_content becomes a thinking block", async () => {
    harness.simulator.enqueue({ fixture: "vercel-ai/deepseek/deepseek-reasoning.json" });
    const message = await client.messages.create({
      model: "deepseek-test",
      max_tokens: 4096,
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [{ role: "user", content: "How many r's are in strawberry?" }],
    });

    expect(lastUpstream().body.reasoning_effort).toBe("low");
    expect(lastUpstream().body.max_tokens).toBe(4096);
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    const [thinking, text] = message.content;
    if (thinking?.type !== "thinking" || text?.type !== "text") throw new Error("bad blocks");
    expect(thinking.thinking).toStartWith("We are asked");
    expect(thinking.signature).toBe("");
    expect(text.text).toContain("three instances");
    expect(message.usage.input_tokens).toBe(18);
    expect(message.usage.output_tokens).toBe(345);
  });

  test("streamed reasoning and tool call", async () => {
    harness.simulator.enqueue({ fixture: "vercel-ai/deepseek/deepseek-tool-call.chunks.txt" });
    const response = await post({
      model: "deepseek-test",
      max_tokens: 1024,
      stream: true,
      tools: [weatherTool],
      messages: [{ role: "user", content: "Weather in San Francisco?" }],
    });
    const events = parseEvents(await response.text());
    const starts = events.filter((event) => event.event === "content_block_start")
      .map((event) => event.data);
    expect(starts).toEqual([
      { type: "content_block_start", index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" } },
      expect.objectContaining({ index: 1 }),
    ]);
    const toolBlock = starts[1]?.content_block as Record<string, unknown>;
    expect(toolBlock.type).toBe("tool_use");
    expect(toolBlock.name).toBe("weather");

    const deltas = events.filter((event) => event.event === "content_block_delta")
      .map((event) => event.data as { index: number; delta: Record<string, string> });
    const thinking = deltas.filter((d) => d.delta.type === "thinking_delta");
    const json = deltas.filter((d) => d.delta.type === "input_json_delta");
    expect(thinking.every((d) => d.index === 0)).toBe(true);
    expect(thinking.map((d) => d.delta.thinking).join("")).toStartWith("The user is asking");
    expect(json.every((d) => d.index === 1)).toBe(true);
    expect(JSON.parse(json.map((d) => d.delta.partial_json).join(""))).toHaveProperty("location");

    const stops = events.filter((event) => event.event === "content_block_stop")
      .map((event) => event.data.index);
    expect(stops).toEqual([0, 1]);
    const delta = events.at(-2)?.data as { delta: unknown; usage: Record<string, unknown> };
    expect(delta.delta).toEqual({ stop_reason: "tool_use", stop_sequence: null });
    expect(delta.usage).toEqual({
      input_tokens: 19,
      output_tokens: 83,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 320,
      server_tool_use: null,
    });
    expect(events.at(-1)?.event).toBe("message_stop");

    const event = await harness.event(response.headers.get("request-id") ?? "");
    expect(event?.inputTokens).toBe(339);
    expect(event?.cachedTokens).toBe(320);
    expect(event?.outputTokens).toBe(83);
    expect(event?.reasoningTokens).toBe(39);
  });
});

describe("Gemini and Cohere through /v1/messages", () => {
  const cases = [
    { model: "gemini-test", provider: "gemini",
      topK: (body: Record<string, unknown>) =>
        (body.generationConfig as { topK?: unknown }).topK },
    { model: "cohere-test", provider: "cohere", topK: (body: Record<string, unknown>) => body.k },
  ];
  for (const { model, provider, topK } of cases) {
    test(`${model} answers`, async () => {
      const message = await client.messages.create({
        model,
        max_tokens: 128,
        system: "Be brief.",
        top_k: 5,
        messages: [{ role: "user", content: [{ type: "text", text: `Hello ${model}` }] }],
      } as Anthropic.MessageCreateParamsNonStreaming);
      expect(message.model).toBe(model);
      expect(message.content).toEqual([
        { type: "text", text: `Echo: Hello ${model}`, citations: null },
      ]);
      expect(message.stop_reason).toBe("end_turn");
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      expect(lastUpstream().provider).toBe(provider);
      expect(topK(lastUpstream().body)).toBe(5);
    });

    test(`${model} streams`, async () => {
      const stream = client.messages.stream({
        model,
        max_tokens: 128,
        messages: [{ role: "user", content: `Stream ${model}` }],
      });
      const message = await stream.finalMessage();
      const expected = [{ type: "text", text: `Echo: Stream ${model}` }];
      expect(message.content as unknown[]).toEqual(expected);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      const event = await harness.event(stream.request_id ?? "");
      expect(event?.provider).toBe(provider);
      expect(event?.outputTokens).toBe(message.usage.output_tokens);
    });
  }

  test.skipIf(!fixturesAvailable())("Gemini thought signature round trip", async () => {
    harness.simulator.enqueue({ fixture: "vercel-ai/google/google-reasoning.json" });
    const first = await client.messages.create({
      model: "gemini-test",
      max_tokens: 2048,
      messages: [{ role: "user", content: "How many r's in strawberry?" }],
    });
    expect(first.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    const thinking = first.content[0];
    if (thinking?.type !== "thinking") throw new Error("expected a thinking block");
    expect(thinking.signature).toStartWith("EvsFCvgFAb4");
    expect(thinking.thinking).toBe("");

    await client.messages.create({
      model: "gemini-test",
      max_tokens: 2048,
      messages: [
        { role: "user", content: "How many r's in strawberry?" },
        { role: "assistant", content: first.content },
        { role: "user", content: "And in raspberry?" },
      ],
    });
    const contents = lastUpstream().body.contents as { role: string; parts: unknown[] }[];
    expect(contents[1]?.role).toBe("model");
    expect(contents[1]?.parts).toEqual([{
      text: (first.content[1] as { text: string }).text,
      thoughtSignature: thinking.signature,
    }]);
  });

  test.skipIf(!fixturesAvailable())("Gemini streamed signature", async () => {
    harness.simulator.enqueue({ fixture: "vercel-ai/google/google-reasoning.chunks.txt" });
    const stream = client.messages.stream({
      model: "gemini-test",
      max_tokens: 2048,
      messages: [{ role: "user", content: "How many r's in strawberry?" }],
    });
    const signatures: string[] = [];
    stream.on("streamEvent", (event) => {
      if (event.type === "content_block_delta" && event.delta.type === "signature_delta") {
        signatures.push(event.delta.signature);
      }
    });
    const message = await stream.finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(["text", "thinking"]);
    expect(signatures).toHaveLength(1);
    expect(message.content[1]).toEqual({
      type: "thinking",
      thinking: "",
      signature: signatures[0] ?? "",
    });
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  test("gemini-test tool round trip", async () => {
    const first = await client.messages.create({
      model: "gemini-test",
      max_tokens: 256,
      tools: [weatherTool],
      messages: [{ role: "user", content: "Weather in Lima?" }],
    });
    const call = first.content.find((block) => block.type === "tool_use");
    if (call?.type !== "tool_use") throw new Error("expected a tool_use block");
    expect(first.stop_reason).toBe("tool_use");
    expect(lastUpstream().provider).toBe("gemini");

    const answer = await client.messages.create({
      model: "gemini-test",
      max_tokens: 256,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather in Lima?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "Fog" }] },
      ],
    });
    expect(answer.content[0]?.type).toBe("text");
    expect(answer.stop_reason).toBe("end_turn");
  });
});
