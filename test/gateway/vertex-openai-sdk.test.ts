import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ReceivedRequest } from "../simulator/server.ts";
import { errorBodyFor } from "../simulator/provider-errors.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import {
  createServiceAccount,
  type TestServiceAccount,
} from "../providers/vertex/service-account.ts";

const SA_ENV = "NEXUS_TEST_VERTEX_SERVICE_ACCOUNT";
const SHORT_SA_ENV = "NEXUS_TEST_VERTEX_SHORT_LIVED";
const IMPOSTOR_SA_ENV = "NEXUS_TEST_VERTEX_IMPOSTOR";
const CLAUDE_UPSTREAM = "claude-sonnet-4-5@20250929";
const price = { inputPerMTok: 1, outputPerMTok: 4 };

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

let harness: Harness;
let client: OpenAI;
const accounts: TestServiceAccount[] = [];

beforeAll(async () => {
  harness = await startHarness({
    extra: (url) => {
      const vertex = (credentialEnv: string) => ({
        type: "vertex",
        baseUrl: `${url}/vertex`,
        region: "us-east5",
        project: "nexus-test",
        credentialEnv: { serviceAccount: credentialEnv },
        timeoutMs: 2000,
        streamIdleTimeoutMs: 1000,
      });
      return {
        providers: {
          vertex: vertex(SA_ENV),
          "vertex-short": vertex(SHORT_SA_ENV),
          "vertex-impostor": vertex(IMPOSTOR_SA_ENV),
        },
        models: {
          "vertex-gemini": { provider: "vertex", upstreamModel: "gemini-2.5-flash", price },
          "vertex-claude": { provider: "vertex", upstreamModel: CLAUDE_UPSTREAM, price },
          "vertex-embed": {
            provider: "vertex",
            upstreamModel: "text-embedding-005",
            kind: "embedding",
            price: { inputPerMTok: 0.1, outputPerMTok: 0 },
          },
          "vertex-short": { provider: "vertex-short", upstreamModel: "gemini-2.5-flash", price },
          "vertex-impostor": {
            provider: "vertex-impostor",
            upstreamModel: "gemini-2.5-flash",
            price,
          },
        },
      };
    },
  });

  const tokenUri = `${harness.simulator.url}/vertex/token`;
  const main = await createServiceAccount({ tokenUri, name: "gateway-main" });
  const short = await createServiceAccount({
    tokenUri,
    name: "gateway-short",
    tokenLifetimeSeconds: 2,
  });
  const impostor = await createServiceAccount({
    tokenUri,
    name: "gateway-impostor",
    registerOtherKey: true,
  });
  accounts.push(main, short, impostor);
  process.env[SA_ENV] = main.json;
  process.env[SHORT_SA_ENV] = short.json;
  process.env[IMPOSTOR_SA_ENV] = impostor.json;

  client = new OpenAI({
    baseURL: `${harness.gateway.url}/v1`,
    apiKey: await harness.createKey(),
    maxRetries: 0,
  });
});

afterAll(async () => {
  for (const account of accounts) account.unregister();
  await harness.close();
});

beforeEach(() => harness.simulator.reset());

function modelCalls(): ReceivedRequest[] {
  return harness.simulator.requests.filter((request) => request.path !== "/vertex/token");
}

function mints(): ReceivedRequest[] {
  return harness.simulator.requests.filter((request) => request.path === "/vertex/token");
}

function lastCall(): ReceivedRequest {
  const call = modelCalls().at(-1);
  if (call === undefined) throw new Error("no model call reached the simulator");
  return call;
}

async function event(response: Response) {
  return await harness.event(response.headers.get("x-request-id") ?? "");
}

describe("OpenAI SDK to Gemini on Vertex", () => {
  test("JSON completion", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "vertex-gemini", messages: [{ role: "user", content: "Hello vertex" }] })
      .withResponse();

    expect(data.model).toBe("vertex-gemini");
    expect(data.choices[0]?.message.content).toBe("Echo: Hello vertex");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(lastCall().path).toBe(
      "/vertex/v1/projects/nexus-test/locations/us-east5/publishers/google/models/" +
        "gemini-2.5-flash:generateContent",
    );
    expect(lastCall().headers.authorization).toMatch(/^Bearer ya29\.sim-/);
    expect(lastCall().headers["x-goog-api-key"]).toBeUndefined();

    const recorded = await event(response);
    expect(recorded?.provider).toBe("vertex");
    expect(recorded?.inputTokens).toBe(data.usage?.prompt_tokens ?? -1);
    expect(recorded?.outputTokens).toBe(data.usage?.completion_tokens ?? -1);
    expect(recorded?.costUsd).toBeGreaterThan(0);
  });

  test("stream with include_usage", async () => {
    const prompt = "Stream a long answer from Gemini on Vertex, please";
    const { data: stream, response } = await client.chat.completions
      .create({
        model: "vertex-gemini",
        messages: [{ role: "user", content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();

    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(`Echo: ${prompt}`);
    expect(lastCall().path).toEndWith(":streamGenerateContent?alt=sse");
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const recorded = await event(response);
    expect(recorded?.stream).toBe(true);
    expect(recorded?.inputTokens).toBe(usage?.prompt_tokens ?? -1);
    expect(recorded?.outputTokens).toBe(usage?.completion_tokens ?? -1);
  });

  test("tool call", async () => {
    const data = await client.chat.completions.create({
      model: "vertex-gemini",
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      tools: [WEATHER_TOOL],
    });
    const call = data.choices[0]?.message.tool_calls?.[0];
    expect(data.choices[0]?.finish_reason).toBe("tool_calls");
    const fn = call?.type === "function" ? call.function : undefined;
    expect(fn?.name).toBe("get_weather");
    expect(JSON.parse(fn?.arguments ?? "null")).toEqual({ city: "example", days: 1 });
    const body = lastCall().body as { tools?: { functionDeclarations?: { name: string }[] }[] };
    expect(body.tools?.[0]?.functionDeclarations?.[0]?.name).toBe("get_weather");
  });

  test("429 keeps retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "vertex", path: ":generateContent" },
      status: 429,
      body: errorBodyFor("gemini", 429),
      headers: { "retry-after": "7" },
    });
    const failure = await client.chat.completions
      .create({ model: "vertex-gemini", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = failure as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers?.get("retry-after")).toBe("7");
    expect(rateLimit.code).toBe("upstream_rate_limited");
  });
});

describe("OpenAI SDK to Claude on Vertex", () => {
  test("JSON completion", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "vertex-claude", messages: [{ role: "user", content: "Hello Claude" }] })
      .withResponse();

    expect(data.model).toBe("vertex-claude");
    expect(data.choices[0]?.message.content).toBe("Echo: Hello Claude");
    const call = lastCall();
    expect(call.path).toBe(
      "/vertex/v1/projects/nexus-test/locations/us-east5/publishers/anthropic/models/" +
        `${encodeURIComponent(CLAUDE_UPSTREAM)}:rawPredict`,
    );
    const body = call.body as Record<string, unknown>;
    expect(body.anthropic_version).toBe("vertex-2023-10-16");
    expect(body.model).toBeUndefined();
    expect(call.headers["x-api-key"]).toBeUndefined();
    expect(call.headers["anthropic-version"]).toBeUndefined();
    expect(call.headers.authorization).toMatch(/^Bearer ya29\.sim-/);

    const recorded = await event(response);
    expect(recorded?.inputTokens).toBe(data.usage?.prompt_tokens ?? -1);
    expect(recorded?.outputTokens).toBe(data.usage?.completion_tokens ?? -1);
    expect(recorded?.costUsd).toBeGreaterThan(0);
  });

  test("stream with include_usage", async () => {
    const prompt = "Stream a long answer from Claude on Vertex, please";
    const { data: stream, response } = await client.chat.completions
      .create({
        model: "vertex-claude",
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
    expect(lastCall().path).toEndWith(":streamRawPredict");
    expect((lastCall().body as { stream?: boolean }).stream).toBe(true);

    const recorded = await event(response);
    expect(recorded?.stream).toBe(true);
    expect(recorded?.inputTokens).toBe(usage?.prompt_tokens ?? -1);
    expect(recorded?.outputTokens).toBe(usage?.completion_tokens ?? -1);
  });

  test("thinking comes back as reasoning", async () => {
    const stream = await client.chat.completions.create({
      model: "vertex-claude",
      messages: [{ role: "user", content: "Think, then answer" }],
      reasoning_effort: "low",
      stream: true,
    });
    let reasoning = "";
    let content = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string };
      reasoning += delta?.reasoning_content ?? "";
      content += delta?.content ?? "";
    }
    expect((lastCall().body as { thinking?: unknown }).thinking).toMatchObject({
      type: "enabled",
    });
    expect(reasoning).toContain("Think, then answer");
    expect(content).toBe("Echo: Think, then answer");
  });

  test("anthropic-shaped 429 keeps retry-after", async () => {
    harness.simulator.enqueue({
      match: { provider: "vertex", path: ":rawPredict" },
      status: 429,
      body: errorBodyFor("anthropic", 429),
      headers: { "retry-after": "3" },
    });
    const failure = await client.chat.completions
      .create({ model: "vertex-claude", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = failure as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers?.get("retry-after")).toBe("3");
    expect(rateLimit.message).toContain("Rate limited");
  });

  test("n above 1 is rejected", async () => {
    const failure = await client.chat.completions
      .create({ model: "vertex-claude", messages: [{ role: "user", content: "x" }], n: 2 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      "unsupported_parameter",
    );
  });
});

describe("wire faults on Vertex streams", () => {
  const STREAMS = [
    { model: "vertex-gemini", path: ":streamGenerateContent" },
    { model: "vertex-claude", path: ":streamRawPredict" },
  ];

  for (const { model, path } of STREAMS) {
    test(`${model} cut stream is an error`, async () => {
      harness.simulator.enqueue({ match: { provider: "vertex", path }, cutAfterEvents: 2 });
      const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${client.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          model,
          stream: true,
          messages: [{ role: "user", content: "a long answer that spans many events" }],
        }),
      });
      expect(response.status).toBe(200);

      const text = await response.text();
      expect(text).not.toContain("data: [DONE]");
      expect(text).toContain('"code":"upstream_stream_cut"');
      expect((await event(response))?.errorCode).toBe("upstream_stream_cut");
    });

    test(`${model} stream survives split gzip writes`, async () => {
      harness.simulator.enqueue({ match: { provider: "vertex", path }, gzip: true,
        splitWrites: 3 });
      const stream = await client.chat.completions.create({
        model,
        stream: true,
        messages: [{ role: "user", content: "日本語のテキスト — ünïcödé" }],
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe("Echo: 日本語のテキスト — ünïcödé");
    });
  }
});

describe("embeddings on Vertex", () => {
  test("float vectors and token usage", async () => {
    const { data, response } = await client.embeddings
      .create({
        model: "vertex-embed",
        input: ["alpha", "beta", "alpha"],
        encoding_format: "float",
      })
      .withResponse();

    expect(data.model).toBe("vertex-embed");
    expect(data.data).toHaveLength(3);
    expect(data.data[0]?.embedding).toEqual(data.data[2]?.embedding ?? []);
    expect(data.data[0]?.embedding).not.toEqual(data.data[1]?.embedding ?? []);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(lastCall().path).toEndWith("/publishers/google/models/text-embedding-005:predict");

    const recorded = await event(response);
    expect(recorded?.inputTokens).toBe(data.usage.prompt_tokens);
    expect(recorded?.costUsd).toBeGreaterThan(0);
  });

  test("base64 decodes to the float vector", async () => {
    const floats = await client.embeddings.create({
      model: "vertex-embed",
      input: "gamma",
      encoding_format: "float",
    });
    const response = await fetch(`${harness.gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${client.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ model: "vertex-embed", input: "gamma", encoding_format: "base64" }),
    });
    const body = (await response.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]!.embedding, "base64");
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    const expected = floats.data[0]!.embedding.map((value) => Math.fround(value));
    expect(decoded).toEqual(expected);
  });
});

describe("access tokens through the gateway", () => {
  test("requests share one cached token", async () => {
    // Earlier tests minted this account's token, so neither request mints.
    await client.chat.completions.create({
      model: "vertex-gemini",
      messages: [{ role: "user", content: "one" }],
    });
    await client.chat.completions.create({
      model: "vertex-claude",
      messages: [{ role: "user", content: "two" }],
    });
    expect(mints()).toHaveLength(0);
    const tokens = modelCalls().map((call) => call.headers.authorization);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]!);
  });

  test("short-lived token is refreshed early", async () => {
    const ask = (content: string) =>
      client.chat.completions.create({
        model: "vertex-short",
        messages: [{ role: "user", content }],
      });

    // Concurrent first requests share one mint.
    await Promise.all([ask("a"), ask("b"), ask("c")]);
    expect(mints()).toHaveLength(1);
    await ask("d");
    expect(mints()).toHaveLength(1);

    // A 2 s token is refreshed after half its life, while it is still valid.
    await Bun.sleep(1100);
    await ask("e");
    expect(mints()).toHaveLength(2);
    const tokens = modelCalls().map((call) => call.headers.authorization);
    expect(tokens[3]).not.toBe(tokens[4]!);
  });

  test("failed mint is a clear 401", async () => {
    const failure = await client.chat.completions
      .create({ model: "vertex-impostor", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    const apiError = failure as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(apiError.code).toBe("upstream_auth_failed");
    expect(apiError.message).toContain("could not get a Vertex AI access token");
    expect(apiError.message).not.toContain("PRIVATE KEY");
    expect(modelCalls()).toHaveLength(0);
  });

  test("private key never reaches logs", () => {
    const logged = JSON.stringify(harness.logs);
    for (const account of accounts) {
      const keyBody = account.privateKeyPem.split("\n")[1] ?? "";
      expect(keyBody.length).toBeGreaterThan(20);
      expect(logged).not.toContain(keyBody);
    }
  });
});
