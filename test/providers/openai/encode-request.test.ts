import { afterAll, describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { Target } from "../../../runtime/providers/codec.ts";
import { openaiCodec } from "../../../runtime/providers/openai/codec.ts";
import { fixturesAvailable, listFixtures, readCassette } from "./recorded-fixtures.ts";

const TARGET: Target = {
  provider: "openai-main",
  baseUrl: "https://api.openai.com/v1",
  apiKey: "sk-test-key",
  headers: {},
  upstreamModel: "gpt-4o-mini-2024-07-18",
};

// A stream option the canonical type does not model, to show that it passes through.
const OBFUSCATION_OFF = { include_obfuscation: false } as ChatRequest["stream_options"];

const REQUEST: ChatRequest = {
  model: "team-default",
  messages: [{ role: "user", content: "Hello" }],
  temperature: 0.2,
  logit_bias: { "50256": -100 },
  prediction: { type: "content", content: "x" },
};

function encodedBody(request: ChatRequest, target: Target = TARGET): Record<string, unknown> {
  return JSON.parse(openaiCodec.encodeChatRequest(request, target).body) as Record<string, unknown>;
}

describe("encodeChatRequest", () => {
  test("capabilities allow n and embeddings", () => {
    expect(openaiCodec.type).toBe("openai");
    expect(openaiCodec.capabilities).toEqual({ multipleChoices: true, embeddings: true });
  });

  const urls: [string, string][] = [
    ["https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions"],
    ["https://llm.internal/v1/", "https://llm.internal/v1/chat/completions"],
    ["http://127.0.0.1:8000/openai/v1", "http://127.0.0.1:8000/openai/v1/chat/completions"],
  ];
  for (const [baseUrl, url] of urls) {
    test(`url from ${baseUrl}`, () => {
      const encoded = openaiCodec.encodeChatRequest(REQUEST, { ...TARGET, baseUrl });
      expect(encoded.url).toBe(url);
      expect(encoded.method).toBe("POST");
    });
  }

  test("bearer key and json content type", () => {
    const { headers } = openaiCodec.encodeChatRequest(REQUEST, TARGET);
    expect(headers).toEqual({
      "content-type": "application/json",
      authorization: "Bearer sk-test-key",
    });
  });

  test("null key sends no authorization", () => {
    const { headers } = openaiCodec.encodeChatRequest(REQUEST, { ...TARGET, apiKey: null });
    expect(Object.keys(headers).map((name) => name.toLowerCase())).not.toContain("authorization");
  });

  test("config headers are added and override", () => {
    const target = {
      ...TARGET,
      headers: { "OpenAI-Organization": "org-1", Authorization: "Token custom" },
    };
    const { headers } = openaiCodec.encodeChatRequest(REQUEST, target);
    expect(headers).toEqual({
      "content-type": "application/json",
      "OpenAI-Organization": "org-1",
      Authorization: "Token custom",
    });
  });

  test("model replaced, unknown fields kept", () => {
    expect(encodedBody(REQUEST)).toEqual({ ...REQUEST, model: TARGET.upstreamModel });
  });

  test("encoding leaves the request unchanged", () => {
    const request: ChatRequest = { ...REQUEST, stream: true, stream_options: {} };
    const copy = structuredClone(request);
    openaiCodec.encodeChatRequest(request, TARGET);
    expect(request).toEqual(copy);
  });

  const streamCases: { name: string; request: ChatRequest; streamOptions: unknown }[] = [
    {
      name: "stream without options",
      request: { ...REQUEST, stream: true },
      streamOptions: { include_usage: true },
    },
    {
      name: "stream with usage off",
      request: { ...REQUEST, stream: true, stream_options: { include_usage: false } },
      streamOptions: { include_usage: true },
    },
    {
      name: "other stream options kept",
      request: { ...REQUEST, stream: true, stream_options: OBFUSCATION_OFF },
      streamOptions: { include_obfuscation: false, include_usage: true },
    },
    { name: "non-stream adds nothing", request: REQUEST, streamOptions: undefined },
    {
      name: "stream false adds nothing",
      request: { ...REQUEST, stream: false },
      streamOptions: undefined,
    },
  ];
  for (const { name, request, streamOptions } of streamCases) {
    test(name, () => {
      expect(encodedBody(request).stream_options).toEqual(streamOptions);
    });
  }
});

describe.skipIf(!fixturesAvailable)("encodeChatRequest on recorded requests", () => {
  const cassettes = [
    ...listFixtures("simonw-llm/openai-chat", ".yaml"),
    ...listFixtures("simonw-llm/openrouter-compat", ".yaml"),
  ];

  test("every cassette request", () => {
    let checked = 0;
    for (const name of cassettes) {
      for (const interaction of readCassette(name)) {
        const recorded = JSON.parse(interaction.requestBody) as ChatRequest;
        const expected: Record<string, unknown> = { ...recorded, model: TARGET.upstreamModel };
        if (recorded.stream === true) {
          expected.stream_options = { ...recorded.stream_options, include_usage: true };
        }
        expect(encodedBody(recorded)).toEqual(expected);
        checked += 1;
      }
    }
    expect(checked).toBe(9);
  });
});

describe("encodeChatRequest over a socket", () => {
  let received: { url: string; headers: Headers; body: string } | null = null;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      received = { url: request.url, headers: request.headers, body: await request.text() };
      return Response.json({ ok: true });
    },
  });
  afterAll(() => server.stop(true));

  test("upstream receives headers and body", async () => {
    const baseUrl = `http://127.0.0.1:${server.port}/v1`;
    const target = { ...TARGET, baseUrl, headers: { "x-tenant": "blue" } };
    const encoded = openaiCodec.encodeChatRequest({ ...REQUEST, stream: true }, target);
    const { url, method, headers, body } = encoded;
    await fetch(url, { method, headers, body });

    expect(received?.url).toBe(`http://127.0.0.1:${server.port}/v1/chat/completions`);
    expect(received?.headers.get("authorization")).toBe("Bearer sk-test-key");
    expect(received?.headers.get("content-type")).toBe("application/json");
    expect(received?.headers.get("x-tenant")).toBe("blue");
    expect(JSON.parse(received?.body ?? "null")).toEqual({
      ...REQUEST,
      model: TARGET.upstreamModel,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});
