/** The simulated Voyage AI embeddings API: request fields, vector types, errors, injection. */

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { startSimulator, type Simulator } from "./server.ts";

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

interface VoyageResponse {
  object: string;
  data: { object: string; embedding: number[] | string; index: number }[];
  model: string;
  usage: { total_tokens: number };
}

async function embed(body: unknown, headers: Record<string, string> = { authorization: "Bearer pa-k" }) {
  const response = await fetch(`${sim.url}/voyage/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe("voyage embeddings", () => {
  test("list shape with total_tokens", async () => {
    const { status, body } = await embed({ input: ["a text", "another"], model: "voyage-3.5" });
    const answer = body as VoyageResponse;

    expect(status).toBe(200);
    expect(answer.object).toBe("list");
    expect(answer.model).toBe("voyage-3.5");
    expect(answer.data.map((item) => item.index)).toEqual([0, 1]);
    expect(answer.data[0]!.object).toBe("embedding");
    expect(answer.data[0]!.embedding).toHaveLength(1024);
    expect(answer.usage).toEqual({ total_tokens: 4 });
  });

  test("string input is one text", async () => {
    const { body } = await embed({ input: "one", model: "voyage-3.5" });
    expect((body as VoyageResponse).data).toHaveLength(1);
  });

  test("input_type changes the vector", async () => {
    const vector = async (inputType: string | null) => {
      const { body } = await embed({ input: "same text", model: "voyage-3.5", input_type: inputType });
      return (body as VoyageResponse).data[0]!.embedding;
    };
    const query = await vector("query");
    expect(await vector("query")).toEqual(query);
    expect(await vector("document")).not.toEqual(query);
    expect(await vector(null)).not.toEqual(query);
  });

  const DTYPE_CASES = [
    { dtype: "float", length: 256, min: -1, max: 1 },
    { dtype: "int8", length: 256, min: -128, max: 127 },
    { dtype: "uint8", length: 256, min: 0, max: 255 },
    { dtype: "binary", length: 32, min: -128, max: 127 },
    { dtype: "ubinary", length: 32, min: 0, max: 255 },
  ];
  for (const c of DTYPE_CASES) {
    test(`output_dtype ${c.dtype}`, async () => {
      const request = { input: "x", model: "voyage-3.5", output_dimension: 256, output_dtype: c.dtype };
      const { body } = await embed(request);
      const vector = (body as VoyageResponse).data[0]!.embedding as number[];
      expect(vector).toHaveLength(c.length);
      expect(Math.min(...vector)).toBeGreaterThanOrEqual(c.min);
      expect(Math.max(...vector)).toBeLessThanOrEqual(c.max);
      if (c.dtype !== "float") expect(vector.every(Number.isInteger)).toBe(true);
    });
  }

  test("base64 is little-endian float32", async () => {
    const request = { input: "x", model: "voyage-3.5", output_dimension: 256 };
    const floats = ((await embed(request)).body as VoyageResponse).data[0]!.embedding as number[];
    const { body } = await embed({ ...request, encoding_format: "base64" });
    const bytes = Buffer.from((body as VoyageResponse).data[0]!.embedding as string, "base64");

    expect(bytes.length).toBe(256 * 4);
    const decoded = Array.from({ length: 256 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(floats);
  });
});

interface ErrorCase {
  name: string;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  detail: RegExp;
}

const ERROR_CASES: ErrorCase[] = [
  { name: "missing key", body: { input: "x", model: "voyage-3.5" }, headers: {}, status: 401,
    detail: /API key is invalid/ },
  { name: "empty input list", body: { input: [], model: "voyage-3.5" }, status: 400,
    detail: /non-empty list/ },
  { name: "token ids as input", body: { input: [[1, 2]], model: "voyage-3.5" }, status: 400,
    detail: /strings/ },
  { name: "unknown model", body: { input: "x", model: "text-embedding-3-small" }, status: 400,
    detail: /not supported/ },
  { name: "bad input_type", body: { input: "x", model: "voyage-3.5", input_type: "passage" },
    status: 400, detail: /input_type/ },
  { name: "bad output_dimension", body: { input: "x", model: "voyage-3.5", output_dimension: 8 },
    status: 400, detail: /output_dimension/ },
  { name: "bad output_dtype", body: { input: "x", model: "voyage-3.5", output_dtype: "fp16" },
    status: 400, detail: /output_dtype/ },
  { name: "OpenAI encoding_format", body: { input: "x", model: "voyage-3.5", encoding_format: "float" },
    status: 400, detail: /encoding_format/ },
  { name: "too long without truncation",
    body: { input: "word ".repeat(26_000), model: "voyage-3.5", truncation: false },
    status: 400, detail: /context length/ },
];

describe("voyage errors", () => {
  for (const c of ERROR_CASES) {
    test(c.name, async () => {
      const { status, body } = await embed(c.body, c.headers);
      expect(status).toBe(c.status);
      expect(Object.keys(body as object)).toEqual(["detail"]);
      expect((body as { detail: string }).detail).toMatch(c.detail);
    });
  }

  test("long input is truncated by default", async () => {
    const { status } = await embed({ input: "word ".repeat(26_000), model: "voyage-3.5" });
    expect(status).toBe(200);
  });

  test("injected 429 uses the detail body", async () => {
    sim.enqueue({ match: { provider: "voyage" }, status: 429, headers: { "retry-after": "2" } });
    const { status, headers, body } = await embed({ input: "x", model: "voyage-3.5" });
    expect(status).toBe(429);
    expect(headers.get("retry-after")).toBe("2");
    expect((body as { detail: string }).detail).toMatch(/rate limit/);
  });

  test("unknown path is a detail 404", async () => {
    const response = await fetch(`${sim.url}/voyage/v1/rerank`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Not Found" });
  });

  test("cut body fails the read", async () => {
    sim.enqueue({ match: { provider: "voyage" }, cutAfterBytes: 40 });
    const response = await fetch(`${sim.url}/voyage/v1/embeddings`, {
      method: "POST",
      headers: { authorization: "Bearer k" },
      body: JSON.stringify({ input: "x", model: "voyage-3.5" }),
    });
    expect(await response.text().catch((error: unknown) => error)).toBeInstanceOf(Error);
  });
});
