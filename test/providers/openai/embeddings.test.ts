import { describe, expect, test } from "bun:test";
import type { EmbeddingRequest } from "../../../runtime/canonical/embeddings.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import type { Target } from "../../../runtime/providers/codec.ts";
import { openaiCodec } from "../../../runtime/providers/openai/codec.ts";
import { fixturesAvailable, readFixtureText } from "./recorded-fixtures.ts";

const TARGET: Target = {
  provider: "openai-main",
  baseUrl: "https://api.openai.com/v1/",
  apiKey: "sk-test-key",
  headers: { "x-team": "search" },
  upstreamModel: "text-embedding-3-small",
};

const encodeEmbeddings = openaiCodec.encodeEmbeddingRequest!;
const decodeEmbeddings = openaiCodec.decodeEmbeddingResponse!;

describe("encodeEmbeddingRequest", () => {
  test("posts to /embeddings with model replaced", () => {
    const request: EmbeddingRequest = {
      model: "team-embeddings",
      input: ["a", "b"],
      encoding_format: "base64",
      dimensions: 256,
      extra_field: true,
    };
    const encoded = encodeEmbeddings(request, TARGET);

    expect(encoded.url).toBe("https://api.openai.com/v1/embeddings");
    expect(encoded.headers.authorization).toBe("Bearer sk-test-key");
    expect(encoded.headers["x-team"]).toBe("search");
    expect(JSON.parse(encoded.body)).toEqual({ ...request, model: TARGET.upstreamModel });
  });
});

describe("decodeEmbeddingResponse", () => {
  test.skipIf(!fixturesAvailable)("recorded float vectors", () => {
    const body = JSON.parse(
      readFixtureText("vercel-ai/openai-embeddings/openai-embedding.json"),
    ) as Record<string, unknown>;
    const decoded = decodeEmbeddings(structuredClone(body), "team-embeddings");

    expect(decoded.model).toBe("team-embeddings");
    expect(decoded).toEqual({ ...body, model: "team-embeddings" } as typeof decoded);
    expect(decoded.data.length).toBe((body.data as unknown[]).length);
  });

  test("base64 vectors pass through", () => {
    const vector = Buffer.from(new Float32Array([0.5, -1]).buffer).toString("base64");
    const body = {
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: vector }],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 1, total_tokens: 1 },
    };
    const decoded = decodeEmbeddings(body, "team-embeddings");

    expect(decoded.data[0]?.embedding).toBe(vector);
    expect(decoded.model).toBe("team-embeddings");
  });

  for (const [name, body] of [["null", null], ["no data", { object: "list" }]] as const) {
    test(`rejects ${name}`, () => {
      let caught: unknown = null;
      try {
        decodeEmbeddings(body, "m");
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(NexusError);
      expect((caught as NexusError).code).toBe("upstream_invalid_response");
    });
  }
});
