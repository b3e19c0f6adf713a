import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { validateConfig } from "../../runtime/config/load.ts";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { errorBodyFor } from "../simulator/provider-errors.ts";
import { type Provider, type Simulator, startSimulator } from "../simulator/server.ts";

const KEY_ENV = "NEXUS_TEST_MORE_PROVIDERS_KEY";
const UPSTREAM_KEY = "more-providers-secret";

interface Setup {
  simulator: Simulator;
  gateway: RunningGateway;
  dataDir: string;
  client: OpenAI;
  key: string;
}

/** One chat model per provider; `simulator` is the provider name the simulator records. */
const CHAT_MODELS: { model: string; simulator: Provider; path: string }[] = [
  { model: "gemini-test", simulator: "gemini", path: "generateContent" },
  { model: "cohere-test", simulator: "cohere", path: "/v2/chat" },
  { model: "deepseek-test", simulator: "openai", path: "/chat/completions" },
];

const EMBEDDING_MODELS = [
  { model: "gemini-embed", simulator: "gemini" as const, path: ":batchEmbedContents" },
  { model: "cohere-embed", simulator: "cohere" as const, path: "/v2/embed" },
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

let setup: Setup;

beforeAll(async () => {
  setup = await startGatewayWithMoreProviders();
});

afterAll(async () => {
  await setup.gateway.stop();
  await setup.simulator.close();
  rmSync(setup.dataDir, { recursive: true, force: true });
});

/** The harness pattern with Gemini, Cohere and DeepSeek providers, all on the simulator. */
async function startGatewayWithMoreProviders(): Promise<Setup> {
  process.env[KEY_ENV] = UPSTREAM_KEY;
  const simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
  const dataDir = mkdtempSync(join(tmpdir(), "nexus-more-providers-"));
  const provider = (type: string, baseUrl: string) => ({
    type,
    baseUrl,
    apiKeyEnv: KEY_ENV,
    timeoutMs: 2000,
    streamIdleTimeoutMs: 1000,
  });
  const price = { inputPerMTok: 1, outputPerMTok: 4 };
  const raw = {
    server: { host: "127.0.0.1", port: 0, maxBodyBytes: 1024 * 1024 },
    dataDir,
    providers: {
      gemini: provider("gemini", `${simulator.url}/gemini`),
      cohere: provider("cohere", `${simulator.url}/cohere`),
      deepseek: provider("deepseek", `${simulator.url}/openai/v1`),
    },
    models: {
      "gemini-test": { provider: "gemini", upstreamModel: "gemini-2.5-flash", price },
      "cohere-test": { provider: "cohere", upstreamModel: "command-a-03-2025", price },
      "deepseek-test": { provider: "deepseek", upstreamModel: "deepseek-chat", price },
      "gemini-embed": {
        provider: "gemini",
        upstreamModel: "gemini-embedding-001",
        kind: "embedding",
        price: { inputPerMTok: 0.15, outputPerMTok: 0 },
      },
      "cohere-embed": {
        provider: "cohere",
        upstreamModel: "embed-v4.0",
        kind: "embedding",
        price: { inputPerMTok: 0.12, outputPerMTok: 0 },
      },
    },
  };

  const loaded = validateConfig(raw, join(dataDir, "nexus.config.yaml"));
  const logger = createLogger(() => {});
  const gateway = await startGateway(loaded, { logger, port: 0 });
  const { context } = gateway;
  const { secret: key } = await createVirtualKey(context.keys, context.hmacSecret,
    { org: "acme", models: ["*"] });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  return { simulator, gateway, dataDir, client, key };
}

async function event(requestId: string | null): Promise<TrafficEvent | undefined> {
  await setup.gateway.context.eventWriter.flush();
  return setup.gateway.context.events.get(requestId ?? "");
}

function lastUpstream() {
  return setup.simulator.requests.at(-1);
}

describe("OpenAI SDK through Nexus to Gemini, Cohere and DeepSeek", () => {
  for (const { model, simulator, path } of CHAT_MODELS) {
    test(`${model} completion echoes the prompt`, async () => {
      const { data, response } = await setup.client.chat.completions
        .create({ model, messages: [{ role: "user", content: `Hello ${model}` }] })
        .withResponse();

      expect(data.model).toBe(model);
      expect(data.choices[0]?.message.content).toBe(`Echo: Hello ${model}`);
      expect(data.choices[0]?.finish_reason).toBe("stop");
      expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(data.usage?.completion_tokens).toBeGreaterThan(0);

      const upstream = lastUpstream();
      expect(upstream?.provider).toBe(simulator);
      expect(upstream?.path.split("?")[0]?.endsWith(path)).toBe(true);

      const recorded = await event(response.headers.get("x-request-id"));
      expect(recorded?.inputTokens).toBeGreaterThan(0);
      expect(recorded?.outputTokens).toBeGreaterThan(0);
      expect(recorded?.costUsd).toBeGreaterThan(0);
    });

    test(`${model} stream with include_usage`, async () => {
      const prompt = `Stream a long answer from ${model}, please`;
      const { data: stream, response } = await setup.client.chat.completions
        .create({
          model,
          messages: [{ role: "user", content: prompt }],
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();

      let text = "";
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(`Echo: ${prompt}`);
      expect(finish).toBe("stop");
      expect(usage?.prompt_tokens).toBeGreaterThan(0);
      expect(usage?.completion_tokens).toBeGreaterThan(0);

      const recorded = await event(response.headers.get("x-request-id"));
      expect(recorded?.stream).toBe(true);
      expect(recorded?.outputTokens).toBeGreaterThan(0);
      expect(recorded?.costUsd).toBeGreaterThan(0);
    });

    test(`${model} tool call fits the schema`, async () => {
      const { data, response } = await setup.client.chat.completions
        .create({
          model,
          messages: [{ role: "user", content: "Weather in Oslo?" }],
          tools: [WEATHER_TOOL],
        })
        .withResponse();

      const choice = data.choices[0];
      expect(choice?.finish_reason).toBe("tool_calls");
      const call = choice?.message.tool_calls?.[0];
      expect(call?.type).toBe("function");
      const fn = call?.type === "function" ? call.function : undefined;
      expect(fn?.name).toBe("get_weather");
      expect(JSON.parse(fn?.arguments ?? "null")).toEqual({ city: "example", days: 1 });

      const recorded = await event(response.headers.get("x-request-id"));
      expect(recorded?.outputTokens).toBeGreaterThan(0);
      expect(recorded?.costUsd).toBeGreaterThan(0);
    });

    test(`${model} 429 is RateLimitError`, async () => {
      setup.simulator.enqueue({
        match: { provider: simulator },
        status: 429,
        body: errorBodyFor(simulator, 429),
        headers: { "retry-after": "7" },
      });
      const failure = await setup.client.chat.completions
        .create({ model, messages: [{ role: "user", content: "x" }] })
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimit = failure as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimit.headers?.get("retry-after")).toBe("7");
      expect((rateLimit.error as { code?: string } | undefined)?.code).toBe(
        "upstream_rate_limited",
      );
    });

    test(`${model} cut stream ends in an error`, async () => {
      setup.simulator.enqueue({ match: { provider: simulator }, cutAfterEvents: 2 });
      const response = await fetch(`${setup.gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${setup.key}`, "content-type": "application/json" },
        body: JSON.stringify({
          model,
          stream: true,
          messages: [{ role: "user", content: "a long answer that spans many events" }],
        }),
      });
      expect(response.status).toBe(200);

      const text = await response.text();
      expect(text).not.toContain("data: [DONE]");
      const events = text.split("\n\n").filter((frame) => frame.startsWith("data: "));
      const last = JSON.parse(events.at(-1)?.slice(6) ?? "{}") as { error?: { code: string } };
      expect(last.error?.code).toBe("upstream_stream_cut");
      expect((await event(response.headers.get("x-request-id")))?.errorCode)
        .toBe("upstream_stream_cut");
    });
  }

  for (const { model, simulator, path } of EMBEDDING_MODELS) {
    test(`${model} embeddings`, async () => {
      const { data, response } = await setup.client.embeddings
        .create({ model, input: ["alpha", "beta", "alpha"], encoding_format: "float" })
        .withResponse();

      expect(data.model).toBe(model);
      expect(data.data).toHaveLength(3);
      expect(data.data[0]?.embedding.length).toBeGreaterThan(0);
      expect(data.data[0]?.embedding).toEqual(data.data[2]?.embedding ?? []);
      expect(data.data[0]?.embedding).not.toEqual(data.data[1]?.embedding ?? []);

      const upstream = lastUpstream();
      expect(upstream?.provider).toBe(simulator);
      expect(upstream?.path.endsWith(path)).toBe(true);
      expect((await event(response.headers.get("x-request-id")))?.model).toBe(model);
    });
  }

  test("cohere embeddings are billed", async () => {
    const { response } = await setup.client.embeddings
      .create({ model: "cohere-embed", input: "a text to bill" })
      .withResponse();
    const recorded = await event(response.headers.get("x-request-id"));
    expect(recorded?.inputTokens).toBeGreaterThan(0);
    expect(recorded?.costUsd).toBeGreaterThan(0);
  });

  test("upstream credentials go where each provider wants them", () => {
    const byProvider = new Map(setup.simulator.requests.map((r) => [r.provider, r.headers]));
    expect(byProvider.get("gemini")?.["x-goog-api-key"]).toBe(UPSTREAM_KEY);
    expect(byProvider.get("cohere")?.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(byProvider.get("openai")?.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });
});

describe("simulator wire for Gemini and Cohere", () => {
  const geminiUrl = () => `${setup.simulator.url}/gemini/v1beta/models/gemini-2.5-flash`;
  const geminiBody = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });

  const AUTH_CASES: { name: string; headers: Record<string, string>; status: number;
    rpc: string }[] = [
    { name: "gemini without key", headers: {}, status: 403, rpc: "PERMISSION_DENIED" },
    { name: "gemini with empty key", headers: { "x-goog-api-key": " " }, status: 400,
      rpc: "INVALID_ARGUMENT" },
  ];
  for (const c of AUTH_CASES) {
    test(`${c.name} is rejected`, async () => {
      const response = await fetch(`${geminiUrl()}:generateContent`, {
        method: "POST",
        headers: { "content-type": "application/json", ...c.headers },
        body: geminiBody,
      });
      expect(response.status).toBe(c.status);
      const body = (await response.json()) as { error: { code: number; status: string } };
      expect(body.error.code).toBe(c.status);
      expect(body.error.status).toBe(c.rpc);
    });
  }

  test("cohere without bearer is 401", async () => {
    const response = await fetch(`${setup.simulator.url}/cohere/v2/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "command-a-03-2025", messages: [] }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { message: string };
    expect(body.message).toBe("no api key supplied");
  });

  test("gemini stream is CRLF-framed SSE", async () => {
    const response = await fetch(`${geminiUrl()}:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "k" },
      body: geminiBody,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    expect(text.startsWith("data: {")).toBe(true);
    expect(text.endsWith("}\r\n\r\n")).toBe(true);
    expect(text).not.toContain("[DONE]");
  });

  test("cohere stream names each event", async () => {
    const response = await fetch(`${setup.simulator.url}/cohere/v2/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body: JSON.stringify({
        model: "command-a-03-2025",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    const types = (await response.text())
      .split("\n")
      .filter((line) => line.startsWith("event: "))
      .map((line) => line.slice(7));
    expect(types[0]).toBe("message-start");
    expect(types).toContain("content-delta");
    expect(types.at(-2)).toBe("content-end");
    expect(types.at(-1)).toBe("message-end");
  });

  const FAULTS = [{ splitWrites: 3 }, { gzip: true }, { gzip: true, splitWrites: 5 }];
  for (const { model, simulator } of CHAT_MODELS.slice(0, 2)) {
    test(`${model} stream survives split writes and gzip`, async () => {
      for (const faults of FAULTS) {
        setup.simulator.enqueue({ match: { provider: simulator }, ...faults });
        const stream = await setup.client.chat.completions.create({
          model,
          stream: true,
          messages: [{ role: "user", content: "日本語のテキスト — ünïcödé" }],
        });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
        expect(text).toBe("Echo: 日本語のテキスト — ünïcödé");
      }
    });
  }

  test("gemini stall mid-stream times out", async () => {
    setup.simulator.enqueue({ match: { provider: "gemini" }, hangAfterEvents: 1 });
    const response = await fetch(`${setup.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${setup.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gemini-test",
        stream: true,
        messages: [{ role: "user", content: "a long answer that spans many events" }],
      }),
    });
    const text = await response.text();
    expect(text).not.toContain("data: [DONE]");
    expect(text).toContain('"code":"upstream_timeout"');
    // The simulator notices the gateway's abort a moment after the client's stream ended.
    for (let waited = 0; setup.simulator.disconnects === 0 && waited < 2000; waited += 20) {
      await Bun.sleep(20);
    }
    expect(setup.simulator.disconnects).toBeGreaterThan(0);
  });
});
