import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { SIMULATED_AWS_CREDENTIALS } from "../simulator/bedrock-auth.ts";
import { fixturesAvailable } from "../support/fixtures.ts";
import {
  eventually,
  type Harness,
  SIMULATOR_KEY_ENV,
  startHarness,
} from "../support/harness.ts";
import {
  bedrockFixturesPresent,
  concat,
  eventMessage,
  exceptionMessage,
  readBedrockFixture,
} from "../providers/bedrock/frames.ts";

const KEY_ID_ENV = "NEXUS_TEST_BEDROCK_KEY_ID";
const SECRET_ENV = "NEXUS_TEST_BEDROCK_SECRET";
const WRONG_SECRET_ENV = "NEXUS_TEST_BEDROCK_WRONG_SECRET";
const MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";
const PRICE = { inputPerMTok: 1, outputPerMTok: 5, cacheReadPerMTok: 0.1, cacheWritePerMTok: 1.25 };
const FAILURE_MESSAGE = "The model is receiving too many requests.";
const fixtures = fixturesAvailable() && bedrockFixturesPresent;

const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

let harness: Harness;
let client: OpenAI;
/** A test-only upstream that streams two text deltas, then a throttlingException. */
let failing: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  process.env[KEY_ID_ENV] = SIMULATED_AWS_CREDENTIALS.accessKeyId;
  process.env[SECRET_ENV] = SIMULATED_AWS_CREDENTIALS.secretAccessKey;
  process.env[WRONG_SECRET_ENV] = "not-the-secret";
  failing = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => failingStream() });

  const bedrock = (baseUrl: string, secretEnv = SECRET_ENV) => ({
    type: "bedrock",
    baseUrl,
    region: "us-east-1",
    credentialEnv: { accessKeyId: KEY_ID_ENV, secretAccessKey: secretEnv },
    timeoutMs: 2000,
    streamIdleTimeoutMs: 1000,
  });
  const model = (provider: string) => ({ provider, upstreamModel: MODEL_ID, price: PRICE });
  harness = await startHarness({
    extra: (url) => ({
      providers: {
        bedrock: bedrock(`${url}/bedrock`),
        "bedrock-wrong": bedrock(`${url}/bedrock`, WRONG_SECRET_ENV),
        "bedrock-key": {
          type: "bedrock",
          baseUrl: `${url}/bedrock`,
          region: "us-east-1",
          apiKeyEnv: SIMULATOR_KEY_ENV,
          timeoutMs: 2000,
        },
        "bedrock-failing": bedrock(`http://127.0.0.1:${failing.port}`),
      },
      models: {
        "claude-bedrock": model("bedrock"),
        "claude-bedrock-wrong": model("bedrock-wrong"),
        "claude-bedrock-key": model("bedrock-key"),
        "claude-bedrock-failing": model("bedrock-failing"),
      },
    }),
  });
  client = new OpenAI({
    apiKey: await harness.createKey(),
    baseURL: `${harness.gateway.url}/v1`,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await harness.close();
  await failing.stop(true);
});

function failingStream(): Response {
  const body = concat([
    eventMessage("messageStart", { role: "assistant" }),
    eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Partial " } }),
    eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "answer" } }),
    exceptionMessage("throttlingException", FAILURE_MESSAGE),
  ]);
  return new Response(body, { headers: { "content-type": "application/vnd.amazon.eventstream" } });
}

function lastBedrockRequest() {
  const request = harness.simulator.requests.filter((item) => item.provider === "bedrock").at(-1);
  if (request === undefined) throw new Error("no Bedrock request reached the simulator");
  return request;
}

describe("OpenAI SDK through Nexus to Bedrock", () => {
  test("JSON completion, signed", async () => {
    const { data: answer, response } = await client.chat.completions
      .create({
        model: "claude-bedrock",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hello Bedrock" },
        ],
        max_tokens: 64,
      })
      .withResponse();

    expect(answer.model).toBe("claude-bedrock");
    expect(answer.choices[0]?.message.content).toBe("Echo: Hello Bedrock");
    expect(answer.choices[0]?.finish_reason).toBe("stop");

    const upstream = lastBedrockRequest();
    expect(upstream.path).toBe(`/bedrock/model/${encodeURIComponent(MODEL_ID)}/converse`);
    expect(upstream.headers.authorization).toStartWith(
      `AWS4-HMAC-SHA256 Credential=${SIMULATED_AWS_CREDENTIALS.accessKeyId}/`,
    );
    expect(upstream.body).toEqual({
      messages: [{ role: "user", content: [{ text: "Hello Bedrock" }] }],
      system: [{ text: "Be brief." }],
      inferenceConfig: { maxTokens: 64 },
    });

    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.status).toBe(200);
    expect(event?.provider).toBe("bedrock");
    expect(event?.upstreamModel).toBe(MODEL_ID);
    expect(event?.inputTokens).toBe(answer.usage?.prompt_tokens ?? -1);
    expect(event?.outputTokens).toBe(answer.usage?.completion_tokens ?? -1);
    expect(event?.costUsd).toBeGreaterThan(0);
  });

  test("wrong secret is rejected upstream", async () => {
    const failure = await client.chat.completions
      .create({ model: "claude-bedrock-wrong", messages: [{ role: "user", content: "hi" }] })
      .then(() => null, (error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((failure as Error).message).toContain("InvalidSignatureException");
    expect((failure as Error).message).not.toContain("not-the-secret");
  });

  test("API key as bearer", async () => {
    const answer = await client.chat.completions.create({
      model: "claude-bedrock-key",
      messages: [{ role: "user", content: "with a key" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Echo: with a key");
    expect(lastBedrockRequest().headers.authorization).toBe("Bearer sim-secret-value");
  });

  test("streamed completion with usage", async () => {
    const prompt = "Stream from Bedrock, ünïcödé ✓";
    const { data: stream, response } = await client.chat.completions
      .create({
        model: "claude-bedrock",
        messages: [{ role: "user", content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    const finishes: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }

    expect(text).toBe(`Echo: ${prompt}`);
    expect(finishes).toEqual(["stop"]);
    expect(usage?.completion_tokens).toBe(Math.ceil(text.length / 4));
    expect(lastBedrockRequest().path).toEndWith("/converse-stream");

    const requestId = response.headers.get("x-request-id") ?? "";
    const event = await eventually(() => harness.event(requestId));
    expect(event.stream).toBe(true);
    expect(event.inputTokens).toBe(usage?.prompt_tokens ?? -1);
    expect(event.outputTokens).toBe(usage?.completion_tokens ?? -1);
    expect(event.costUsd).toBeGreaterThan(0);
  });

  test("tool call round trip", async () => {
    const first = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER_TOOL],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type).toBe("function");
    expect(call?.id).toMatch(/^tooluse_/);
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("get_weather");
    expect(typeof JSON.parse(call.function.arguments).city).toBe("string");

    const second = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        first.choices[0]!.message,
        { role: "tool", tool_call_id: call.id, content: "18C and sunny" },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(second.choices[0]?.message.content).toBe("Echo: 18C and sunny");

    const upstream = lastBedrockRequest().body as { messages: unknown[]; toolConfig: unknown };
    expect(upstream.messages[1]).toEqual({
      role: "assistant",
      content: [{
        toolUse: {
          toolUseId: call.id,
          name: "get_weather",
          input: JSON.parse(call.function.arguments),
        },
      }],
    });
    expect(upstream.messages[2]).toEqual({
      role: "user",
      content: [{ toolResult: { toolUseId: call.id, content: [{ text: "18C and sunny" }] } }],
    });
  });

  test("streamed tool call", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: "Weather in Rome?" }],
      tools: [WEATHER_TOOL],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      stream: true,
    });
    let args = "";
    let name = "";
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? "";
        args += call.function?.arguments ?? "";
      }
    }
    expect(name).toBe("get_weather");
    expect(typeof JSON.parse(args).city).toBe("string");
  });

  test("429 keeps retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "bedrock" },
      status: 429,
      headers: { "retry-after": "3" },
    });
    const failure = await client.chat.completions
      .create({ model: "claude-bedrock", messages: [{ role: "user", content: "hi" }] })
      .then(() => null, (error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    const error = failure as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(error.headers?.get("retry-after")).toBe("3");
    expect(error.message).toContain("ThrottlingException");
    expect(error.message).toContain("Too many requests, please wait before trying again.");
  });

  test("exception mid-stream is an in-band error", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-bedrock-failing",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    let failure: unknown = null;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    } catch (error) {
      failure = error;
    }

    expect(text).toBe("Partial answer");
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain(FAILURE_MESSAGE);
  });

  test("cut stream is an in-band error", async () => {
    harness.simulator.enqueue({ match: { provider: "bedrock" }, cutAfterEvents: 3 });
    const stream = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: "a prompt long enough for several deltas" }],
      stream: true,
    });
    let text = "";
    let failure: unknown = null;
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    } catch (error) {
      failure = error;
    }
    // Three messages: messageStart and the first two 8-character deltas.
    expect(text).toBe("Echo: a prompt l");
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain("ended early");
  });

  test("cache tokens priced in the event", async () => {
    harness.simulator.enqueue({
      match: { provider: "bedrock" },
      status: 200,
      body: {
        output: { message: { role: "assistant", content: [{ text: "cached" }] } },
        stopReason: "end_turn",
        usage: {
          inputTokens: 100,
          outputTokens: 10,
          totalTokens: 1110,
          cacheReadInputTokens: 800,
          cacheWriteInputTokens: 200,
        },
      },
    });
    const { data: answer, response } = await client.chat.completions
      .create({ model: "claude-bedrock", messages: [{ role: "user", content: "hi" }] })
      .withResponse();

    expect(answer.usage?.prompt_tokens).toBe(1100);
    expect(answer.usage?.prompt_tokens_details?.cached_tokens).toBe(800);
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.inputTokens).toBe(1100);
    expect(event?.cachedTokens).toBe(800);
    expect(event?.cacheWriteTokens).toBe(200);
    const expectedCost = (100 * 1 + 800 * 0.1 + 200 * 1.25 + 10 * 5) / 1_000_000;
    expect(event?.costUsd).toBeCloseTo(expectedCost, 12);
  });
});

describe.skipIf(!fixtures)("recorded Bedrock traffic through the gateway", () => {
  test("reasoning JSON replay", async () => {
    const recorded = JSON.parse(readBedrockFixture("amazon-bedrock-reasoning.json"));
    harness.simulator.enqueue({
      match: { provider: "bedrock" },
      fixture: "vercel-ai/amazon-bedrock/amazon-bedrock-reasoning.json",
    });
    const { data: answer, response } = await client.chat.completions
      .create({ model: "claude-bedrock", messages: [{ role: "user", content: "r's?" }] })
      .withResponse();
    const message = answer.choices[0]!.message as typeof answer.choices[0]["message"] & {
      reasoning_content?: string;
      reasoning_details?: { signature?: string }[];
    };
    const [reasoning, text] = recorded.output.message.content;

    expect(message.content).toBe(text.text);
    expect(message.reasoning_content).toBe(reasoning.reasoningContent.reasoningText.text);
    expect(message.reasoning_details?.[0]?.signature).toBe(
      reasoning.reasoningContent.reasoningText.signature,
    );
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.usage?.prompt_tokens).toBe(recorded.usage.inputTokens);
    expect(answer.usage?.completion_tokens).toBe(recorded.usage.outputTokens);
    const event = await harness.event(response.headers.get("x-request-id") ?? "");
    expect(event?.inputTokens).toBe(recorded.usage.inputTokens);
    expect(event?.outputTokens).toBe(recorded.usage.outputTokens);
  });

  test("text stream replay", async () => {
    const lines = readBedrockFixture("amazon-bedrock-text.chunks.txt").split("\n")
      .filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
    const expectedText = lines.map((line) => line.contentBlockDelta?.delta.text ?? "").join("");
    const recordedUsage = lines.find((line) => line.metadata).metadata.usage;
    harness.simulator.enqueue({
      match: { provider: "bedrock" },
      fixture: "vercel-ai/amazon-bedrock/amazon-bedrock-text.chunks.txt",
      splitWrites: 7,
    });
    const stream = await client.chat.completions.create({
      model: "claude-bedrock",
      messages: [{ role: "user", content: "r in strawberry?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }

    expect(text).toBe(expectedText);
    expect(usage?.prompt_tokens).toBe(recordedUsage.inputTokens);
    expect(usage?.completion_tokens).toBe(recordedUsage.outputTokens);
    expect(usage?.total_tokens).toBe(recordedUsage.totalTokens);
  });
});
