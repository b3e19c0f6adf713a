import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import {
  buildBody as buildAnthropicBody,
} from "../../../runtime/providers/anthropic/encode-request.ts";
import type { Target } from "../../../runtime/providers/codec.ts";
import { buildBody as buildGeminiBody } from "../../../runtime/providers/gemini/encode-request.ts";
import { vertexCodec } from "../../../runtime/providers/vertex/codec.ts";
import {
  decodeEmbeddingResponse,
  encodeEmbeddingRequest,
} from "../../../runtime/providers/vertex/embeddings.ts";

const BASE = "https://us-east5-aiplatform.googleapis.com";
const MODELS = `${BASE}/v1/projects/my-project/locations/us-east5/publishers`;

function target(upstreamModel: string, overrides: Partial<Target> = {}): Target {
  return {
    provider: "vertex-main",
    baseUrl: `${BASE}/`,
    apiKey: null,
    headers: {},
    upstreamModel,
    region: "us-east5",
    project: "my-project",
    credentials: { serviceAccount: "{}" },
    ...overrides,
  };
}

const REQUEST: ChatRequest = {
  model: "client-model",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello" },
  ],
  max_tokens: 100,
  temperature: 0.5,
};

describe("vertex chat encoding", () => {
  const URL_CASES = [
    { model: "gemini-2.5-flash", stream: false,
      url: `${MODELS}/google/models/gemini-2.5-flash:generateContent` },
    { model: "gemini-2.5-flash", stream: true,
      url: `${MODELS}/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse` },
    { model: "claude-sonnet-4-5@20250929", stream: false,
      url: `${MODELS}/anthropic/models/claude-sonnet-4-5%4020250929:rawPredict` },
    { model: "claude-sonnet-4-5@20250929", stream: true,
      url: `${MODELS}/anthropic/models/claude-sonnet-4-5%4020250929:streamRawPredict` },
  ];
  for (const { model, stream, url } of URL_CASES) {
    test(`${model} ${stream ? "stream" : "JSON"} URL`, () => {
      const encoded = vertexCodec.encodeChatRequest({ ...REQUEST, stream }, target(model));
      expect(encoded.url).toBe(url);
      expect(encoded.method).toBe("POST");
    });
  }

  test("gemini body matches the gemini codec", () => {
    const encoded = vertexCodec.encodeChatRequest(REQUEST, target("gemini-2.5-flash"));
    expect(JSON.parse(encoded.body)).toEqual(
      JSON.parse(JSON.stringify(buildGeminiBody(REQUEST, "gemini-2.5-flash"))),
    );
  });

  test("claude body drops model, adds version", () => {
    const model = "claude-sonnet-4-5@20250929";
    const request: ChatRequest = { ...REQUEST, stream: true };
    const body = JSON.parse(vertexCodec.encodeChatRequest(request, target(model)).body);
    const { model: _model, ...expected } = buildAnthropicBody(request, model);

    expect(body.model).toBeUndefined();
    expect(body.anthropic_version).toBe("vertex-2023-10-16");
    expect(body.stream).toBe(true);
    expect(body.max_tokens).toBe(100);
    expect(body.system).toEqual([{ type: "text", text: "Be brief." }]);
    const { anthropic_version: _version, ...rest } = body;
    expect(rest).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  test("no provider key headers", () => {
    for (const model of ["gemini-2.5-flash", "claude-opus-4-1"]) {
      const headers = vertexCodec.encodeChatRequest(REQUEST, target(model)).headers;
      expect(headers).toEqual({ "content-type": "application/json" });
    }
  });

  test("config headers are kept", () => {
    const encoded = vertexCodec.encodeChatRequest(
      REQUEST,
      target("gemini-2.5-flash", { headers: { "X-Goog-User-Project": "billing" } }),
    );
    expect(encoded.headers["x-goog-user-project"]).toBe("billing");
  });

  test("claude rejects n above 1", () => {
    const encode = () =>
      vertexCodec.encodeChatRequest({ ...REQUEST, n: 2 }, target("claude-opus-4-1"));
    expect(encode).toThrow(NexusError);
    expect(encode).toThrow("Parameter 'n'");
  });

  test("gemini sends n as candidateCount", () => {
    const encoded = vertexCodec.encodeChatRequest({ ...REQUEST, n: 2 }, target("gemini-2.5-pro"));
    expect(JSON.parse(encoded.body).generationConfig.candidateCount).toBe(2);
    expect(vertexCodec.capabilities.multipleChoices).toBe(true);
  });

  test("missing region is a config error", () => {
    const encode = () =>
      vertexCodec.encodeChatRequest(REQUEST, target("gemini-2.5-flash", { region: undefined }));
    expect(encode).toThrow("needs 'region' and 'project'");
  });
});

describe("vertex embeddings", () => {
  test("encodes predict instances", () => {
    const encoded = encodeEmbeddingRequest(
      { model: "client", input: ["alpha", "beta"], dimensions: 256 },
      target("text-embedding-005"),
    );
    expect(encoded.url).toBe(`${MODELS}/google/models/text-embedding-005:predict`);
    expect(JSON.parse(encoded.body)).toEqual({
      instances: [{ content: "alpha" }, { content: "beta" }],
      parameters: { outputDimensionality: 256 },
    });
  });

  test("rejects token arrays and claude", () => {
    const tokens = () =>
      encodeEmbeddingRequest({ model: "c", input: [1, 2, 3] }, target("text-embedding-005"));
    expect(tokens).toThrow("token id arrays");
    const claude = () => encodeEmbeddingRequest({ model: "c", input: "x" }, target("claude-x"));
    expect(claude).toThrow("Claude models have no embeddings API");
  });

  const PREDICTIONS = {
    predictions: [
      { embeddings: { values: [0.5, -0.25], statistics: { token_count: 3, truncated: false } } },
      { embeddings: { values: [1, 0], statistics: { token_count: 4, truncated: false } } },
    ],
    metadata: { billableCharacterCount: 12 },
  };

  test("decodes floats and token counts", () => {
    const decoded = decodeEmbeddingResponse(PREDICTIONS, "client-embed");
    expect(decoded.model).toBe("client-embed");
    expect(decoded.data.map((item) => item.embedding)).toEqual([[0.5, -0.25], [1, 0]]);
    expect(decoded.data.map((item) => item.index)).toEqual([0, 1]);
    expect(decoded.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
  });

  test("decodes base64 as float32", () => {
    const decoded = decodeEmbeddingResponse(PREDICTIONS, "client-embed", "base64");
    const bytes = Buffer.from(decoded.data[0]!.embedding as string, "base64");
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    expect(Array.from(floats)).toEqual([0.5, -0.25]);
  });

  test("invalid predictions are a 502", () => {
    const decode = () => decodeEmbeddingResponse({ predictions: [{}] }, "c");
    expect(decode).toThrow("predictions[0].embeddings.values");
  });
});
