import { describe, expect, test } from "bun:test";
import type { EmbeddingRequest } from "../../../runtime/canonical/embeddings.ts";
import { voyageCodec } from "../../../runtime/providers/voyage/codec.ts";
import { target } from "./target.ts";

function encode(request: EmbeddingRequest, to = target) {
  return voyageCodec.encodeEmbeddingRequest!(request, to);
}

describe("Voyage embeddings request", () => {
  test("url, method and headers", () => {
    const upstream = encode({ model: "m", input: "a" });
    expect(upstream.url).toBe("https://api.voyageai.com/v1/embeddings");
    expect(upstream.method).toBe("POST");
    expect(upstream.headers.authorization).toBe("Bearer pa-test-key");
    expect(upstream.headers["content-type"]).toBe("application/json");
  });

  test("config headers win", () => {
    const withHeaders = { ...target, headers: { "X-Trace": "t1" } };
    expect(encode({ model: "m", input: "a" }, withHeaders).headers["x-trace"]).toBe("t1");
  });

  test("missing key raises", () => {
    const keyless = { ...target, apiKey: null };
    expect(() => encode({ model: "m", input: "a" }, keyless)).toThrow(
      expect.objectContaining({ code: "provider_credentials_missing" }),
    );
  });

  /** Each case: the client's request and the exact Voyage body it must become. */
  const BODIES: { name: string; request: EmbeddingRequest; body: Record<string, unknown> }[] = [
    {
      name: "single string",
      request: { model: "client-model", input: "hello" },
      body: { input: ["hello"], model: "voyage-3.5" },
    },
    {
      name: "string list",
      request: { model: "m", input: ["a", "b"] },
      body: { input: ["a", "b"], model: "voyage-3.5" },
    },
    {
      name: "dimensions",
      request: { model: "m", input: "a", dimensions: 256 },
      body: { input: ["a"], model: "voyage-3.5", output_dimension: 256 },
    },
    {
      name: "base64",
      request: { model: "m", input: "a", encoding_format: "base64" },
      body: { input: ["a"], model: "voyage-3.5", encoding_format: "base64" },
    },
    {
      name: "float format omitted",
      request: { model: "m", input: "a", encoding_format: "float" },
      body: { input: ["a"], model: "voyage-3.5" },
    },
    {
      name: "user dropped",
      request: { model: "m", input: "a", user: "u-42" },
      body: { input: ["a"], model: "voyage-3.5" },
    },
    {
      name: "voyage fields",
      request: {
        model: "m",
        input: "a",
        input_type: "query",
        truncation: false,
        output_dtype: "int8",
      },
      body: {
        input: ["a"],
        model: "voyage-3.5",
        input_type: "query",
        truncation: false,
        output_dtype: "int8",
      },
    },
    {
      name: "null input_type",
      request: { model: "m", input: "a", input_type: null },
      body: { input: ["a"], model: "voyage-3.5", input_type: null },
    },
    {
      name: "base64 with float dtype",
      request: { model: "m", input: "a", encoding_format: "base64", output_dtype: "float" },
      body: { input: ["a"], model: "voyage-3.5", output_dtype: "float", encoding_format: "base64" },
    },
  ];
  for (const { name, request, body } of BODIES) {
    test(`encodes ${name}`, () => {
      expect(JSON.parse(encode(request).body)).toEqual(body);
    });
  }

  /** Each case: a request Voyage cannot take, and the error code and param it must raise. */
  const REJECTS: { name: string; request: Record<string, unknown>; code: string; param: string }[] =
    [
      {
        name: "token ids",
        request: { input: [1, 2, 3] },
        code: "unsupported_parameter",
        param: "input",
      },
      {
        name: "token id lists",
        request: { input: [[1, 2]] },
        code: "unsupported_parameter",
        param: "input",
      },
      { name: "empty list", request: { input: [] }, code: "invalid_request", param: "input" },
      {
        name: "unknown input_type",
        request: { input: "a", input_type: "poem" },
        code: "invalid_request",
        param: "input_type",
      },
      {
        name: "zero dimensions",
        request: { input: "a", dimensions: 0 },
        code: "invalid_request",
        param: "dimensions",
      },
      {
        name: "fractional dimensions",
        request: { input: "a", dimensions: 1.5 },
        code: "invalid_request",
        param: "dimensions",
      },
      {
        name: "string truncation",
        request: { input: "a", truncation: "yes" },
        code: "invalid_request",
        param: "truncation",
      },
      {
        name: "unknown encoding_format",
        request: { input: "a", encoding_format: "ubinary" },
        code: "invalid_request",
        param: "encoding_format",
      },
      {
        name: "unknown output_dtype",
        request: { input: "a", output_dtype: "int4" },
        code: "invalid_request",
        param: "output_dtype",
      },
      {
        name: "base64 of int8",
        request: { input: "a", encoding_format: "base64", output_dtype: "int8" },
        code: "unsupported_parameter",
        param: "output_dtype",
      },
    ];
  for (const { name, request, code, param } of REJECTS) {
    test(`rejects ${name}`, () => {
      const canonical = { model: "m", ...request } as EmbeddingRequest;
      const expected = expect.objectContaining({ code, param, status: 400 });
      expect(() => encode(canonical)).toThrow(expected);
    });
  }
});
