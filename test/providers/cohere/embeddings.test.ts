import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cohereCodec } from "../../../runtime/providers/cohere/codec.ts";
import { decodeEmbeddingResponse } from "../../../runtime/providers/cohere/embeddings.ts";
import { target } from "./fixtures.ts";

const cohereAnswer = {
  id: "e1",
  texts: ["a", "b"],
  embeddings: { float: [[0.5, -1], [0.25, 2]] },
  meta: { api_version: { version: "2" }, billed_units: { input_tokens: 4 } },
  response_type: "embeddings_by_type",
};

describe("Cohere embeddings request", () => {
  test("defaults", () => {
    const upstream = cohereCodec.encodeEmbeddingRequest!({ model: "m", input: "a" }, target);
    expect(upstream.url).toBe("https://api.cohere.com/v2/embed");
    expect(upstream.headers.authorization).toBe("Bearer co-test-key");
    expect(JSON.parse(upstream.body)).toEqual({
      model: "command-a-03-2025",
      texts: ["a"],
      input_type: "search_document",
      embedding_types: ["float"],
    });
  });

  test("input_type and dimensions", () => {
    const canonical = {
      model: "m",
      input: ["a", "b"],
      input_type: "search_query",
      dimensions: 256,
    };
    const body = JSON.parse(cohereCodec.encodeEmbeddingRequest!(canonical, target).body);
    expect(body.texts).toEqual(["a", "b"]);
    expect(body.input_type).toBe("search_query");
    expect(body.output_dimension).toBe(256);
  });

  const REJECTS: { name: string; input: unknown; inputType?: unknown; code: string }[] = [
    { name: "token ids", input: [1, 2, 3], code: "unsupported_parameter" },
    { name: "empty list", input: [], code: "invalid_request" },
    { name: "unknown input_type", input: "a", inputType: "poem", code: "invalid_request" },
  ];
  for (const { name, input, inputType, code } of REJECTS) {
    test(`rejects ${name}`, () => {
      const canonical = { model: "m", input: input as string[], input_type: inputType };
      expect(() => cohereCodec.encodeEmbeddingRequest!(canonical, target)).toThrow(
        expect.objectContaining({ code }),
      );
    });
  }
});

describe("Cohere embeddings response", () => {
  let server: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => Response.json(cohereAnswer),
    });
  });
  afterAll(() => server.stop(true));

  test("float vectors over a socket", async () => {
    const local = { ...target, baseUrl: `http://127.0.0.1:${server.port}` };
    const upstream = cohereCodec.encodeEmbeddingRequest!({ model: "m", input: ["a", "b"] }, local);
    const answer = await fetch(upstream.url, {
      method: upstream.method,
      headers: upstream.headers,
      body: upstream.body,
    });
    const decoded = cohereCodec.decodeEmbeddingResponse!(await answer.json(), "client-model");
    expect(decoded.object).toBe("list");
    expect(decoded.model).toBe("client-model");
    expect(decoded.data).toEqual([
      { object: "embedding", index: 0, embedding: [0.5, -1] },
      { object: "embedding", index: 1, embedding: [0.25, 2] },
    ]);
    expect(decoded.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
  });

  test("base64 as little-endian float32", () => {
    const decoded = decodeEmbeddingResponse(cohereAnswer, "client-model", "base64");
    const text = decoded.data[0]!.embedding as string;
    const bytes = Buffer.from(text, "base64");
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect(Array.from(floats)).toEqual([0.5, -1]);
  });

  test("codec passes base64 through", () => {
    const decoded = cohereCodec.decodeEmbeddingResponse?.(cohereAnswer, "client-model", "base64");
    expect(typeof decoded?.data[0]?.embedding).toBe("string");
  });

  test("missing float vectors raises", () => {
    expect(() => decodeEmbeddingResponse({ embeddings: {} }, "client-model")).toThrow(
      expect.objectContaining({ code: "upstream_invalid_response" }),
    );
  });
});
