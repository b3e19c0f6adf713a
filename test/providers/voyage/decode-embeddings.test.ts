import { describe, expect, test } from "bun:test";
import { voyageCodec } from "../../../runtime/providers/voyage/codec.ts";
import { base64ToFloats, floatsToBase64 } from "./target.ts";

/** Values exact in float32, so a base64 round trip compares equal. */
const FIRST = [0.5, -1, 0.25];
const SECOND = [2, -0.125, 0];

const floatAnswer = {
  object: "list",
  data: [
    { object: "embedding", embedding: FIRST, index: 0 },
    { object: "embedding", embedding: SECOND, index: 1 },
  ],
  model: "voyage-3.5",
  usage: { total_tokens: 7 },
};

const base64Answer = {
  ...floatAnswer,
  data: [
    { object: "embedding", embedding: floatsToBase64(FIRST), index: 0 },
    { object: "embedding", embedding: floatsToBase64(SECOND), index: 1 },
  ],
};

function decode(body: unknown, format?: "float" | "base64") {
  return voyageCodec.decodeEmbeddingResponse!(body, "client-model", format);
}

describe("Voyage embeddings response", () => {
  test("float vectors", () => {
    const decoded = decode(floatAnswer);
    expect(decoded.object).toBe("list");
    expect(decoded.model).toBe("client-model");
    expect(decoded.data).toEqual([
      { object: "embedding", index: 0, embedding: FIRST },
      { object: "embedding", index: 1, embedding: SECOND },
    ]);
  });

  test("usage from total_tokens", () => {
    expect(decode(floatAnswer).usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
  });

  test("missing usage counts zero", () => {
    const { usage: _usage, ...noUsage } = floatAnswer;
    expect(decode(noUsage).usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
  });

  test("base64 passes through", () => {
    const decoded = decode(base64Answer, "base64");
    expect(decoded.data[0]!.embedding).toBe(base64Answer.data[0]!.embedding);
    expect(decoded.data[1]!.embedding).toBe(base64Answer.data[1]!.embedding);
  });

  test("floats become base64 on request", () => {
    const decoded = decode(floatAnswer, "base64");
    const text = decoded.data[1]!.embedding;
    expect(typeof text).toBe("string");
    expect(base64ToFloats(text as string)).toEqual(SECOND);
  });

  test("stray base64 becomes floats", () => {
    expect(decode(base64Answer, "float").data[0]!.embedding).toEqual(FIRST);
  });

  test("index kept from Voyage", () => {
    const swapped = { ...floatAnswer, data: [{ ...floatAnswer.data[1]! }] };
    expect(decode(swapped).data[0]!.index).toBe(1);
  });

  /** Each case: a body that is not Voyage's documented shape. */
  const INVALID: { name: string; body: unknown }[] = [
    { name: "null body", body: null },
    { name: "no data", body: { object: "list" } },
    { name: "no embedding", body: { data: [{ index: 0 }] } },
    { name: "mixed vector", body: { data: [{ embedding: [1, "x"], index: 0 }] } },
    { name: "partial float32", body: { data: [{ embedding: "AAA=", index: 0 }] } },
  ];
  for (const { name, body } of INVALID) {
    test(`rejects ${name}`, () => {
      expect(() => decode(body)).toThrow(
        expect.objectContaining({ code: "upstream_invalid_response", status: 502 }),
      );
    });
  }
});
