import { describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { geminiCodec } from "../../../runtime/providers/gemini/codec.ts";
import { decodeEmbeddingResponse } from "../../../runtime/providers/gemini/embeddings.ts";
import { targetFor } from "./fixtures.ts";

const answer = { embeddings: [{ values: [0.5, -1, 2] }, { values: [0.25] }] };

describe("Gemini embeddings", () => {
  test("encodes one batchEmbedContents request per call", () => {
    const upstream = geminiCodec.encodeEmbeddingRequest!(
      { model: "m", input: ["a", "b"], dimensions: 3 },
      targetFor("gemini-embedding-001"),
    );
    expect(upstream.url).toBe(
      "http://127.0.0.1:9/v1beta/models/gemini-embedding-001:batchEmbedContents",
    );
    expect(upstream.headers["x-goog-api-key"]).toBe("test-key");
    expect(JSON.parse(upstream.body)).toEqual({
      requests: [
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "a" }] },
          outputDimensionality: 3,
        },
        {
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "b" }] },
          outputDimensionality: 3,
        },
      ],
    });
  });

  test("token id input is refused", () => {
    let caught: unknown = null;
    try {
      geminiCodec.encodeEmbeddingRequest!({ model: "m", input: [1, 2] }, targetFor());
    } catch (error) {
      caught = error;
    }
    expect((caught as NexusError).code).toBe("unsupported_parameter");
  });

  test("decodes floats in order", () => {
    const response = geminiCodec.decodeEmbeddingResponse!(answer, "client-model");
    expect(response.data.map((item) => [item.index, item.embedding])).toEqual([
      [0, [0.5, -1, 2]],
      [1, [0.25]],
    ]);
    expect(response.model).toBe("client-model");
  });

  test("base64 is little-endian float32", () => {
    const response = decodeEmbeddingResponse(answer, "client-model", "base64");
    const bytes = Buffer.from(response.data[0]!.embedding as string, "base64");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([0, 4, 8].map((offset) => view.getFloat32(offset, true))).toEqual([0.5, -1, 2]);
  });

  test("codec passes base64 through", () => {
    const response = geminiCodec.decodeEmbeddingResponse?.(answer, "client-model", "base64");
    expect(typeof response?.data[0]?.embedding).toBe("string");
  });

  test("an answer without embeddings is an invalid response", () => {
    expect(() => decodeEmbeddingResponse({}, "m")).toThrow(NexusError);
  });
});
