import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let client: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  client = new OpenAI({
    baseURL: `${harness.gateway.url}/v1`,
    apiKey: await harness.createKey({ project: "sdk" }),
    maxRetries: 0,
  });
});
afterAll(async () => {
  await harness.close();
});

/** The Anthropic Messages request the simulator received last. */
function lastUpstreamBody(): Record<string, unknown> {
  const last = harness.simulator.requests.at(-1);
  expect(last?.provider).toBe("anthropic");
  return last?.body as Record<string, unknown>;
}

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city"],
    },
  },
};

describe("OpenAI SDK through Nexus to an Anthropic upstream", () => {
  test("plain completion", async () => {
    const { data: answer, response } = await client.chat.completions
      .create({
        model: "claude-test",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hello there" },
        ],
        max_tokens: 64,
      })
      .withResponse();
    expect(answer.object).toBe("chat.completion");
    expect(answer.model).toBe("claude-test");
    expect(answer.choices[0]?.message.role).toBe("assistant");
    expect(answer.choices[0]?.message.content).toContain("Hello there");
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);

    const upstream = lastUpstreamBody();
    expect(upstream.model).toBe("claude-sonnet-4-5-20250929");
    expect(upstream.max_tokens).toBe(64);
    expect(JSON.stringify(upstream.system)).toContain("Be brief.");

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.status).toBe(200);
    expect(event?.provider).toBe("anthropic");
    expect(event?.org).toBe("acme");
    expect(event?.project).toBe("sdk");
    expect(event?.inputTokens).toBe(answer.usage?.prompt_tokens ?? -1);
    expect(event?.outputTokens).toBe(answer.usage?.completion_tokens ?? -1);
    expect(event?.costUsd).toBeGreaterThan(0);
  });

  test("streamed completion with usage", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "Stream me a reply, with ünïcödé ✓" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usageChunks = 0;
    let lastWasUsage = false;
    for await (const chunk of stream) {
      lastWasUsage = false;
      if (chunk.usage) {
        usageChunks++;
        expect(chunk.choices).toEqual([]);
        lastWasUsage = true;
      }
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toContain("ünïcödé ✓");
    expect(finish).toBe("stop");
    expect(usageChunks).toBe(1);
    expect(lastWasUsage).toBe(true);
  });

  test("stream without include_usage has no usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "no usage please" }],
      stream: true,
    });
    for await (const chunk of stream) {
      expect(chunk.choices.length).toBe(1);
      expect(chunk.usage ?? null).toBeNull();
    }
  });

  test("tool call and tool result", async () => {
    const first = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toHaveProperty("city");
    expect(lastUpstreamBody().tool_choice).toEqual({ type: "any" });

    const second = await client.chat.completions.create({
      model: "claude-test",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        first.choices[0]?.message as OpenAI.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: call.id, content: '{"temp": 18}' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    const sent = lastUpstreamBody().messages as { role: string; content: unknown }[];
    expect(JSON.stringify(sent)).toContain("tool_result");
    expect(JSON.stringify(sent)).toContain(call.id);
  });

  test("streamed tool call deltas", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      stream: true,
    });
    let args = "";
    let name = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        expect(delta.index).toBe(0);
        name += delta.function?.name ?? "";
        args += delta.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toHaveProperty("city");
    expect(finish).toBe("tool_calls");
  });

  test("vision with data URL and http URL", async () => {
    // A 1×1 PNG.
    const pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" +
      "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const answer = await client.chat.completions.create({
      model: "claude-test",
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "What is in these images?" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${pixel}` } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
        ],
      }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    const blocks = (lastUpstreamBody().messages as { content: Record<string, unknown>[] }[])[0]
      ?.content ?? [];
    const images = blocks.filter((b) => b.type === "image");
    expect(images).toHaveLength(2);
    expect(images[0]?.source).toEqual({ type: "base64", media_type: "image/png", data: pixel });
    expect(images[1]?.source).toEqual({ type: "url", url: "https://example.com/cat.jpg" });
  });

  test("structured output with json_schema", async () => {
    const answer = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "Give me a person" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          schema: {
            type: "object",
            properties: { name: { type: "string" }, age: { type: "number" } },
            required: ["name", "age"],
          },
        },
      },
    });
    const content = answer.choices[0]?.message.content ?? "";
    const parsed = JSON.parse(content) as Record<string, unknown>;
    expect(parsed).toHaveProperty("name");
    expect(parsed).toHaveProperty("age");
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.choices[0]?.message.tool_calls ?? []).toHaveLength(0);
  });

  test("reasoning comes back with its signature and is sent back", async () => {
    const answer = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "Think about 2+2" }],
      reasoning_effort: "low",
    });
    const message = answer.choices[0]?.message as OpenAI.ChatCompletionMessage & {
      reasoning_content?: string;
      reasoning_details?: { type: string; thinking?: string; signature?: string }[];
    };
    expect(lastUpstreamBody().thinking).toMatchObject({ type: "enabled" });
    expect(message.reasoning_content?.length).toBeGreaterThan(0);
    const detail = message.reasoning_details?.[0];
    expect(detail?.type).toBe("thinking");
    expect(detail?.signature?.length).toBeGreaterThan(0);

    await client.chat.completions.create({
      model: "claude-test",
      reasoning_effort: "low",
      messages: [
        { role: "user", content: "Think about 2+2" },
        message as OpenAI.ChatCompletionMessageParam,
        { role: "user", content: "And 3+3?" },
      ],
    });
    const turns = lastUpstreamBody().messages as { role: string; content: unknown[] }[];
    const replayed = turns[1]?.content[0] as { type: string; signature: string };
    expect(replayed.type).toBe("thinking");
    expect(replayed.signature).toBe(detail?.signature ?? "");
  });

  test("streamed reasoning arrives as reasoning_content", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-test",
      messages: [{ role: "user", content: "Think, then answer" }],
      reasoning_effort: "low",
      stream: true,
    });
    let reasoning = "";
    let signature = "";
    let content = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as {
        content?: string;
        reasoning_content?: string;
        reasoning_details?: { signature?: string }[];
      } | undefined;
      reasoning += delta?.reasoning_content ?? "";
      signature += delta?.reasoning_details?.map((d) => d.signature ?? "").join("") ?? "";
      content += delta?.content ?? "";
    }
    expect(reasoning.length).toBeGreaterThan(0);
    expect(signature.length).toBeGreaterThan(0);
    expect(content).toContain("Think, then answer");
  });

  test("n above 1 is refused clearly", async () => {
    const failure = await client.chat.completions
      .create({ model: "claude-test", messages: [{ role: "user", content: "x" }], n: 2 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = failure as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.code).toBe("unsupported_parameter");
    expect(apiError.message).toContain("n");
  });
});
