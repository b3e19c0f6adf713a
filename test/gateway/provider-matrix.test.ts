/**
 * Every provider type the gateway supports, through the official SDKs, against the provider
 * simulator: a JSON chat, a streamed chat with usage, a tool call (JSON and streamed) where the
 * provider has tools, and embeddings where it serves them; and every chat provider through the
 * two other inbound APIs, Anthropic's Messages (`@anthropic-ai/sdk`) and OpenAI's Responses.
 * Each request must write exactly one traffic event, carrying the usage the client saw.
 *
 * A provider is one row of PROVIDER_ROWS.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { createServiceAccount } from "../providers/vertex/service-account.ts";
import { azureContentFilterBlock } from "../simulator/azure-request.ts";
import { SIMULATED_AWS_CREDENTIALS } from "../simulator/bedrock-auth.ts";
import { SIMULATED_REASONING } from "../simulator/compat-quirks.ts";
import { compatBaseUrl } from "../simulator/compat-provider.ts";
import type { Provider } from "../simulator/server.ts";
import { eventually, type Harness, SIMULATOR_KEY_ENV, startHarness } from "../support/harness.ts";

const VERTEX_ACCOUNT_ENV = "NEXUS_TEST_MATRIX_VERTEX_ACCOUNT";
const AWS_KEY_ID_ENV = "NEXUS_TEST_MATRIX_AWS_KEY_ID";
const AWS_SECRET_ENV = "NEXUS_TEST_MATRIX_AWS_SECRET";

interface ProviderRow {
  /** Config `type` of the provider; also names the row. */
  type: string;
  /** Gateway `baseUrl` of the provider on a simulator at `simulatorUrl`. */
  baseUrl(simulatorUrl: string): string;
  /** Simulator entry that must receive the upstream requests. */
  simulator: Provider;
  /** Upstream chat model, when the provider has chat. */
  chatModel?: string;
  tools: boolean;
  /** Upstream embedding model, when the provider serves embeddings. */
  embeddingModel?: string;
  /** False when the embeddings API reports no token count (Gemini's batchEmbedContents). */
  embeddingUsage?: boolean;
  /** Whether the chat response carries the simulator's reasoning text in `reasoning_content`. */
  reasoning?: boolean;
  /**
   * Path ends that injected faults match, for providers whose calls also send other requests:
   * Vertex mints tokens at its token endpoint, and Replicate streams from a prediction's own
   * URL after creating it.
   */
  faultPaths?: { json?: string; stream?: string };
  /** Credential and cloud fields of the provider config; `apiKeyEnv` when unset. */
  credentials?: Record<string, unknown>;
  /** Runs once the simulator is up, before any test; returns the cleanup. */
  setup?(simulatorUrl: string): Promise<() => void>;
}

const compat = (
  type: string,
  chatModel: string,
  options: Partial<ProviderRow> = {},
): ProviderRow => ({
  type,
  baseUrl: (url) => compatBaseUrl(url, type),
  simulator: "compat",
  chatModel,
  tools: true,
  ...options,
});

const PROVIDER_ROWS: ProviderRow[] = [
  {
    type: "openai",
    baseUrl: (url) => `${url}/openai/v1`,
    simulator: "openai",
    chatModel: "gpt-4o-mini",
    tools: true,
    embeddingModel: "text-embedding-3-small",
  },
  {
    type: "anthropic",
    baseUrl: (url) => `${url}/anthropic`,
    simulator: "anthropic",
    chatModel: "claude-sonnet-4-5-20250929",
    tools: true,
  },
  {
    type: "gemini",
    baseUrl: (url) => `${url}/gemini`,
    simulator: "gemini",
    chatModel: "gemini-2.5-flash",
    tools: true,
    embeddingModel: "gemini-embedding-001",
    embeddingUsage: false,
  },
  {
    type: "cohere",
    baseUrl: (url) => `${url}/cohere`,
    simulator: "cohere",
    chatModel: "command-a-03-2025",
    tools: true,
    embeddingModel: "embed-v4.0",
  },
  {
    type: "azure",
    baseUrl: (url) => `${url}/azure?api-version=2024-10-21`,
    simulator: "azure",
    chatModel: "gpt4o-deployment",
    tools: true,
    embeddingModel: "embedding-deployment",
  },
  {
    type: "voyage",
    baseUrl: (url) => `${url}/voyage`,
    simulator: "voyage",
    tools: false,
    embeddingModel: "voyage-3.5",
  },
  compat("deepseek", "deepseek-reasoner", { reasoning: true }),
  compat("moonshot", "kimi-k2-thinking", { reasoning: true }),
  compat("mistral", "mistral-small-latest", { embeddingModel: "mistral-embed" }),
  compat("groq", "openai/gpt-oss-20b", { reasoning: true }),
  compat("fireworks", "accounts/fireworks/models/deepseek-r1", {
    reasoning: true,
    embeddingModel: "nomic-ai/nomic-embed-text-v1.5",
  }),
  compat("together", "Qwen/Qwen3-235B-A22B-Thinking", {
    reasoning: true,
    embeddingModel: "BAAI/bge-base-en-v1.5",
  }),
  compat("perplexity", "sonar", { tools: false }),
  compat("xai", "grok-4"),
  compat("huggingface", "meta-llama/Llama-3.3-70B-Instruct"),
  compat("minimax", "MiniMax-M2", { reasoning: true }),
  compat("glm", "glm-4.6", { reasoning: true }),
  {
    type: "vertex",
    baseUrl: (url) => `${url}/vertex`,
    simulator: "vertex",
    chatModel: "gemini-2.5-flash",
    tools: true,
    embeddingModel: "text-embedding-005",
    faultPaths: { json: ":generateContent", stream: ":streamGenerateContent" },
    credentials: {
      region: "us-east5",
      project: "nexus-test",
      credentialEnv: { serviceAccount: VERTEX_ACCOUNT_ENV },
    },
    async setup(simulatorUrl) {
      const tokenUri = `${simulatorUrl}/vertex/token`;
      const account = await createServiceAccount({ tokenUri, name: "provider-matrix" });
      process.env[VERTEX_ACCOUNT_ENV] = account.json;
      return () => account.unregister();
    },
  },
  {
    type: "bedrock",
    baseUrl: (url) => `${url}/bedrock`,
    simulator: "bedrock",
    chatModel: "anthropic.claude-3-5-haiku-20241022-v1:0",
    tools: true,
    // Signed with SigV4, which the simulator checks against its own key pair.
    credentials: {
      region: "us-east-1",
      credentialEnv: { accessKeyId: AWS_KEY_ID_ENV, secretAccessKey: AWS_SECRET_ENV },
    },
    async setup() {
      process.env[AWS_KEY_ID_ENV] = SIMULATED_AWS_CREDENTIALS.accessKeyId;
      process.env[AWS_SECRET_ENV] = SIMULATED_AWS_CREDENTIALS.secretAccessKey;
      return () => {};
    },
  },
  {
    type: "replicate",
    baseUrl: (url) => `${url}/replicate/v1`,
    simulator: "replicate",
    chatModel: "meta/meta-llama-3-70b-instruct",
    tools: false,
    faultPaths: { stream: "/stream" },
  },
];

const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, days: { type: "integer", minimum: 1 } },
      required: ["city", "days"],
    },
  },
};

/** The arguments the simulator derives from WEATHER_TOOL's schema. */
const WEATHER_ARGUMENTS = { city: "example", days: 1 };

/** A gateway model on the xAI row's provider whose upstream model reasons (grok-3-mini). */
const XAI_REASONING_MODEL = "xai-reasoning-chat";

const providerName = (row: ProviderRow) => `matrix-${row.type}`;
const chatModelName = (row: ProviderRow) => `${row.type}-chat`;
const embeddingModelName = (row: ProviderRow) => `${row.type}-embed`;

let harness: Harness;
let client: OpenAI;
let anthropicClient: Anthropic;
let requestCounter = 0;

const cleanups: (() => void)[] = [];

beforeAll(async () => {
  harness = await startHarness({ extra: matrixConfig });
  for (const row of PROVIDER_ROWS) {
    if (row.setup !== undefined) cleanups.push(await row.setup(harness.simulator.url));
  }
  const key = await harness.createKey();
  client = new OpenAI({ baseURL: `${harness.gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  anthropicClient = new Anthropic({ baseURL: harness.gateway.url, apiKey: key, maxRetries: 0 });
});

afterAll(async () => {
  for (const cleanup of cleanups) cleanup();
  await harness.close();
});

function matrixConfig(simulatorUrl: string) {
  const providers: Record<string, unknown> = {};
  const models: Record<string, unknown> = {};
  const price = { inputPerMTok: 1, outputPerMTok: 4 };

  for (const row of PROVIDER_ROWS) {
    providers[providerName(row)] = {
      type: row.type,
      baseUrl: row.baseUrl(simulatorUrl),
      timeoutMs: 3000,
      streamIdleTimeoutMs: 1000,
      ...(row.credentials ?? { apiKeyEnv: SIMULATOR_KEY_ENV }),
    };
    if (row.chatModel !== undefined) {
      models[chatModelName(row)] = { provider: providerName(row), upstreamModel: row.chatModel, price };
    }
    if (row.embeddingModel !== undefined) {
      models[embeddingModelName(row)] = {
        provider: providerName(row),
        upstreamModel: row.embeddingModel,
        kind: "embedding",
        price: { inputPerMTok: 0.1, outputPerMTok: 0 },
      };
    }
  }
  models[XAI_REASONING_MODEL] = { provider: "matrix-xai", upstreamModel: "grok-3-mini", price };
  return { providers, models };
}

/** Returns a fresh `x-client-request-id`, so a test can count one request's events. */
function clientRequestId(row: ProviderRow): string {
  requestCounter += 1;
  return `matrix-${row.type}-${requestCounter}`;
}

/** Waits for the events of one request and checks that exactly one was written. */
async function onlyEvent(clientId: string): Promise<TrafficEvent> {
  const { gateway } = harness;
  const events = await eventually(async () => {
    await gateway.context.eventWriter.flush();
    const found = await gateway.context.events.list({ limit: 10, clientRequestId: clientId });
    return found.length > 0 ? found : undefined;
  });
  // A second event would be written at the same flush, so one more flush settles the count.
  await gateway.context.eventWriter.flush();
  const all = await gateway.context.events.list({ limit: 10, clientRequestId: clientId });
  expect(all).toHaveLength(1);
  return events[0]!;
}

/** Checks that a request sent since `mark` reached the row's simulator entry at `path`. */
function expectUpstream(row: ProviderRow, mark: number, path: RegExp | undefined): void {
  const received = harness.simulator.requests
    .slice(mark)
    .filter((request) => request.provider === row.simulator)
    .map((request) => request.path.split("?")[0]!);
  expect(received.length).toBeGreaterThan(0);
  expect(received.some((pathname) => path?.test(pathname))).toBe(true);
}

/** The upstream path of a chat request for each simulator entry. */
const CHAT_PATH: Partial<Record<Provider, RegExp>> = {
  openai: /\/v1\/chat\/completions$/,
  anthropic: /\/v1\/messages$/,
  gemini: /:(generateContent|streamGenerateContent)$/,
  cohere: /\/v2\/chat$/,
  azure: /\/openai\/deployments\/[^/]+\/chat\/completions$/,
  compat: /\/chat\/completions$/,
  vertex: /:(generateContent|streamGenerateContent)$/,
  bedrock: /\/model\/[^/]+\/(converse|converse-stream)$/,
  replicate: /\/predictions$/,
};

const EMBED_PATH: Partial<Record<Provider, RegExp>> = {
  openai: /\/v1\/embeddings$/,
  gemini: /:batchEmbedContents$/,
  cohere: /\/v2\/embed$/,
  azure: /\/openai\/deployments\/[^/]+\/embeddings$/,
  voyage: /^\/voyage\/v1\/embeddings$/,
  compat: /\/embeddings$/,
  vertex: /:predict$/,
};

function reasoningOf(value: unknown): unknown {
  return (value as { reasoning_content?: unknown } | undefined)?.reasoning_content;
}

for (const row of PROVIDER_ROWS) {
  describe(`${row.type} through the OpenAI SDK`, () => {
    if (row.chatModel !== undefined) defineChatTests(row);
    if (row.chatModel !== undefined && row.tools) defineToolTests(row);
    if (row.embeddingModel !== undefined) defineEmbeddingTest(row);
    defineFaultTests(row);
  });
  if (row.chatModel !== undefined) {
    describe(`${row.type} through the Messages and Responses APIs`, () => defineInboundTests(row));
  }
}

/** Checks one event for the request and that its token counts match what the client saw. */
async function expectEventUsage(clientId: string, input: number, output: number): Promise<void> {
  const event = await onlyEvent(clientId);
  expect(event.status).toBe(200);
  expect(input).toBeGreaterThan(0);
  expect(output).toBeGreaterThan(0);
  expect(event.inputTokens).toBe(input);
  expect(event.outputTokens).toBe(output);
}

function defineInboundTests(row: ProviderRow): void {
  const model = chatModelName(row);
  const headers = (clientId: string) => ({ headers: { "x-client-request-id": clientId } });

  test("Anthropic SDK message", async () => {
    const clientId = clientRequestId(row);
    const prompt = `Hello ${row.type} via messages`;
    const message = await anthropicClient.messages.create(
      { model, max_tokens: 256, messages: [{ role: "user", content: prompt }] },
      headers(clientId),
    );

    const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : []));
    expect(message.model).toBe(model);
    expect(text.join("")).toContain(prompt);
    expect(message.stop_reason).toBe("end_turn");
    await expectEventUsage(clientId, message.usage.input_tokens, message.usage.output_tokens);
  });

  test("Anthropic SDK stream", async () => {
    const clientId = clientRequestId(row);
    const prompt = `Stream ${row.type} via messages`;
    const stream = anthropicClient.messages.stream(
      { model, max_tokens: 256, messages: [{ role: "user", content: prompt }] },
      headers(clientId),
    );

    const message = await stream.finalMessage();
    const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : []));
    expect(text.join("")).toContain(prompt);
    expect(message.stop_reason).toBe("end_turn");
    await expectEventUsage(clientId, message.usage.input_tokens, message.usage.output_tokens);
  });

  test("Responses API answer", async () => {
    const clientId = clientRequestId(row);
    const prompt = `Hello ${row.type} via responses`;
    const response = await client.responses.create({ model, input: prompt }, headers(clientId));

    expect(response.model).toBe(model);
    expect(response.status).toBe("completed");
    expect(response.output_text).toContain(prompt);
    await expectEventUsage(clientId, response.usage!.input_tokens, response.usage!.output_tokens);
  });

  test("Responses API stream", async () => {
    const clientId = clientRequestId(row);
    const prompt = `Stream ${row.type} via responses`;
    const stream = client.responses.stream({ model, input: prompt }, headers(clientId));

    let deltas = "";
    stream.on("response.output_text.delta", (event) => (deltas += event.delta));
    const response = await stream.finalResponse();
    expect(deltas).toContain(prompt);
    expect(response.output_text).toBe(deltas);
    await expectEventUsage(clientId, response.usage!.input_tokens, response.usage!.output_tokens);
  });
}

function defineChatTests(row: ProviderRow): void {
  const model = chatModelName(row);

  test("JSON chat", async () => {
    const clientId = clientRequestId(row);
    const mark = harness.simulator.requests.length;
    const prompt = `Hello ${row.type}`;
    const data = await client.chat.completions.create(
      { model, messages: [{ role: "user", content: prompt }] },
      { headers: { "x-client-request-id": clientId } },
    );

    const message = data.choices[0]?.message;
    expect(data.model).toBe(model);
    expect(message?.content).toBe(`Echo: ${prompt}`);
    expect(data.choices[0]?.finish_reason).toBe("stop");
    if (row.reasoning) expect(reasoningOf(message)).toBe(SIMULATED_REASONING);
    else expect(reasoningOf(message)).toBeUndefined();
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expectUpstream(row, mark, CHAT_PATH[row.simulator]);

    const event = await onlyEvent(clientId);
    expect(event.provider).toBe(providerName(row));
    expect(event.stream).toBe(false);
    expect(event.status).toBe(200);
    expect(event.inputTokens).toBe(data.usage!.prompt_tokens);
    expect(event.outputTokens).toBe(data.usage!.completion_tokens);
    expect(event.costUsd).toBeGreaterThan(0);
  });

  test("streamed chat with usage", async () => {
    const clientId = clientRequestId(row);
    const prompt = `Stream a longer answer from ${row.type}, please`;
    const stream = await client.chat.completions.create(
      {
        model,
        messages: [{ role: "user", content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      },
      { headers: { "x-client-request-id": clientId } },
    );

    let text = "";
    let reasoning = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? "";
      const piece = reasoningOf(choice?.delta);
      reasoning += typeof piece === "string" ? piece : "";
      finish = choice?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }

    expect(text).toBe(`Echo: ${prompt}`);
    expect(finish).toBe("stop");
    expect(reasoning).toBe(row.reasoning ? SIMULATED_REASONING : "");
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const event = await onlyEvent(clientId);
    expect(event.stream).toBe(true);
    expect(event.status).toBe(200);
    expect(event.inputTokens).toBe(usage!.prompt_tokens);
    expect(event.outputTokens).toBe(usage!.completion_tokens);
  });
}

function defineToolTests(row: ProviderRow): void {
  const model = chatModelName(row);
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
    { role: "user", content: "What is the weather in Oslo?" },
  ];

  test("tool call", async () => {
    const clientId = clientRequestId(row);
    const data = await client.chat.completions.create(
      { model, messages, tools: [WEATHER_TOOL] },
      { headers: { "x-client-request-id": clientId } },
    );

    const choice = data.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    expect(call?.id).toBeTruthy();
    const fn = call?.type === "function" ? call.function : undefined;
    expect(fn?.name).toBe("get_weather");
    expect(JSON.parse(fn?.arguments ?? "null")).toEqual(WEATHER_ARGUMENTS);

    const event = await onlyEvent(clientId);
    expect(event.inputTokens).toBe(data.usage!.prompt_tokens);
    expect(event.outputTokens).toBe(data.usage!.completion_tokens);
  });

  test("streamed tool call", async () => {
    const clientId = clientRequestId(row);
    const stream = await client.chat.completions.create(
      { model, messages, tools: [WEATHER_TOOL], stream: true, stream_options: { include_usage: true } },
      { headers: { "x-client-request-id": clientId } },
    );

    const calls = new Map<number, { id?: string; type?: string; name: string; args: string }>();
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      finish = choice?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
      for (const piece of choice?.delta.tool_calls ?? []) {
        const call = calls.get(piece.index) ?? { name: "", args: "" };
        call.id = piece.id ?? call.id;
        call.type = piece.type ?? call.type;
        call.name += piece.function?.name ?? "";
        call.args += piece.function?.arguments ?? "";
        calls.set(piece.index, call);
      }
    }

    expect(finish).toBe("tool_calls");
    expect([...calls.keys()]).toEqual([0]);
    const call = calls.get(0)!;
    expect(call.id).toBeTruthy();
    expect(call.type).toBe("function");
    expect(call.name).toBe("get_weather");
    expect(JSON.parse(call.args)).toEqual(WEATHER_ARGUMENTS);

    const event = await onlyEvent(clientId);
    expect(event.stream).toBe(true);
    expect(event.inputTokens).toBe(usage!.prompt_tokens);
    expect(event.outputTokens).toBe(usage!.completion_tokens);
  });
}

function defineEmbeddingTest(row: ProviderRow): void {
  const model = embeddingModelName(row);

  test("embeddings", async () => {
    const clientId = clientRequestId(row);
    const mark = harness.simulator.requests.length;
    const data = await client.embeddings.create(
      { model, input: ["alpha", "beta", "alpha"], encoding_format: "float" },
      { headers: { "x-client-request-id": clientId } },
    );

    expect(data.model).toBe(model);
    expect(data.data.map((item) => item.index)).toEqual([0, 1, 2]);
    const [alpha, beta, again] = data.data.map((item) => item.embedding);
    expect(alpha!.length).toBeGreaterThan(0);
    expect(again).toEqual(alpha!);
    expect(beta).not.toEqual(alpha!);
    expectUpstream(row, mark, EMBED_PATH[row.simulator]);

    const event = await onlyEvent(clientId);
    expect(event.provider).toBe(providerName(row));
    expect(event.inputTokens).toBe(data.usage.prompt_tokens);
    if (row.embeddingUsage === false) return;
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(event.costUsd).toBeGreaterThan(0);
  });
}

/** Defines tests of the behaviour queue through the gateway: a 429 and wire faults. */
function defineFaultTests(row: ProviderRow): void {
  const chat = row.chatModel !== undefined;
  const matchPath = (path: string | undefined) => {
    return { provider: row.simulator, ...(path === undefined ? {} : { path }) };
  };

  test("injected 429 is RateLimitError", async () => {
    const match = matchPath(row.faultPaths?.json);
    harness.simulator.enqueue({ match, status: 429, headers: { "retry-after": "7" } });
    const clientId = clientRequestId(row);
    const options = { headers: { "x-client-request-id": clientId } };
    const request = chat
      ? client.chat.completions.create(
          { model: chatModelName(row), messages: [{ role: "user", content: "x" }] },
          options,
        )
      : client.embeddings.create({ model: embeddingModelName(row), input: "x" }, options);
    const failure = await request.catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    const error = failure as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.headers?.get("retry-after")).toBe("7");
    expect((error.error as { code?: string } | undefined)?.code).toBe("upstream_rate_limited");
    const event = await onlyEvent(clientId);
    expect(event.status).toBe(429);
    expect(event.errorCode).toBe("upstream_rate_limited");
  });

  if (!chat) return;
  const streamMatch = matchPath(row.faultPaths?.stream);

  test("stream survives gzip and split writes", async () => {
    harness.simulator.enqueue({ match: streamMatch, gzip: true, splitWrites: 5 });
    const prompt = "日本語のテキスト — ünïcödé";
    const stream = await client.chat.completions.create({
      model: chatModelName(row),
      stream: true,
      messages: [{ role: "user", content: prompt }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(`Echo: ${prompt}`);
  });

  test("cut stream ends in an error event", async () => {
    harness.simulator.enqueue({ match: streamMatch, cutAfterEvents: 3 });
    const clientId = clientRequestId(row);
    const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${client.apiKey}`,
        "content-type": "application/json",
        "x-client-request-id": clientId,
      },
      body: JSON.stringify({
        model: chatModelName(row),
        stream: true,
        messages: [{ role: "user", content: "a long answer that spans many events" }],
      }),
    });

    const text = await response.text();
    expect(text).not.toContain("data: [DONE]");
    const frames = text.split("\n\n").filter((frame) => frame.startsWith("data: "));
    const last = JSON.parse(frames.at(-1)?.slice(6) ?? "{}") as { error?: { code: string } };
    expect(last.error?.code).toBe("upstream_stream_cut");
    expect((await onlyEvent(clientId)).errorCode).toBe("upstream_stream_cut");
  });
}

describe("provider quirks through the gateway", () => {
  const azure = PROVIDER_ROWS.find((row) => row.type === "azure")!;
  const deepseek = PROVIDER_ROWS.find((row) => row.type === "deepseek")!;

  test("azure content filter block names the category", async () => {
    harness.simulator.enqueue(azureContentFilterBlock("violence"));
    const failure = await client.chat.completions
      .create({ model: chatModelName(azure), messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    const error = failure as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.status).toBe(400);
    expect(error.message).toContain("filtered categories: violence");
  });

  test("azure sends api-key and api-version", () => {
    const sent = harness.simulator.requests.find((request) => request.provider === "azure");
    expect(sent?.headers["api-key"]).toBe(process.env[SIMULATOR_KEY_ENV]);
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.path).toContain("/azure/openai/deployments/gpt4o-deployment/");
    expect(sent?.path).toContain("api-version=2024-10-21");
  });

  test("xai reasoning tokens count as output", async () => {
    const xai = PROVIDER_ROWS.find((row) => row.type === "xai")!;
    const clientId = clientRequestId(xai);
    const data = await client.chat.completions.create(
      { model: XAI_REASONING_MODEL, messages: [{ role: "user", content: "hi" }] },
      { headers: { "x-client-request-id": clientId } },
    );

    const usage = data.usage!;
    const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
    expect(reasoning).toBeGreaterThan(0);
    // xAI leaves reasoning out of completion_tokens; the client sees OpenAI's meaning.
    expect(usage.completion_tokens).toBe(usage.total_tokens - usage.prompt_tokens);
    expect(usage.completion_tokens).toBeGreaterThan(reasoning);
    const event = await onlyEvent(clientId);
    expect(event.outputTokens).toBe(usage.completion_tokens);
    expect(event.reasoningTokens).toBe(reasoning);
  });

  test("deepseek cache hits become cached tokens", async () => {
    const clientId = clientRequestId(deepseek);
    const data = await client.chat.completions.create(
      { model: chatModelName(deepseek), messages: [{ role: "user", content: "y".repeat(600) }] },
      { headers: { "x-client-request-id": clientId } },
    );

    // 600 characters are 150 simulated tokens, of which two 64-token units hit the cache.
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(128);
    expect((await onlyEvent(clientId)).cachedTokens).toBe(128);
  });
});
