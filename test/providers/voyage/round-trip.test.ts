import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { EmbeddingRequest } from "../../../runtime/canonical/embeddings.ts";
import { voyageCodec } from "../../../runtime/providers/voyage/codec.ts";
import { type Simulator, startSimulator } from "../../simulator/server.ts";
import { base64ToFloats, target } from "./target.ts";

/** Sends a request the codec built to the simulated Voyage API, as the gateway would. */
async function roundTrip(baseUrl: string, request: EmbeddingRequest, upstreamModel?: string) {
  const voyage = { ...target, baseUrl, upstreamModel: upstreamModel ?? target.upstreamModel };
  const upstream = voyageCodec.encodeEmbeddingRequest!(request, voyage);
  const response = await fetch(upstream.url, {
    method: upstream.method,
    headers: upstream.headers,
    body: upstream.body,
  });
  if (!response.ok) {
    throw voyageCodec.decodeError(response.status, response.headers, await response.text());
  }
  const body: unknown = await response.json();
  return voyageCodec.decodeEmbeddingResponse!(body, request.model, request.encoding_format);
}

describe("Voyage round trip", () => {
  let sim: Simulator;
  let baseUrl = "";

  beforeAll(async () => {
    sim = await startSimulator();
    baseUrl = `${sim.url}/voyage`;
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  test("float vectors", async () => {
    const decoded = await roundTrip(baseUrl, { model: "embed-small", input: ["a", "b", "a"] });
    const seen = sim.requests.at(-1);

    expect(seen?.path).toBe("/voyage/v1/embeddings");
    expect(seen?.headers.authorization).toBe("Bearer pa-test-key");
    expect(seen?.body).toEqual({ input: ["a", "b", "a"], model: "voyage-3.5" });
    expect(decoded.model).toBe("embed-small");
    const [first, second, third] = decoded.data.map((item) => item.embedding as number[]);
    expect(first).toHaveLength(1024);
    expect(third).toEqual(first!);
    expect(second).not.toEqual(first!);
    expect(decoded.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  test("base64 vectors match float ones", async () => {
    const request: EmbeddingRequest = { model: "embed-small", input: "a", dimensions: 256 };
    const floats = await roundTrip(baseUrl, request);
    const decoded = await roundTrip(baseUrl, { ...request, encoding_format: "base64" });

    expect(sim.requests.at(-1)?.body).toMatchObject({
      encoding_format: "base64",
      output_dimension: 256,
    });
    const vector = base64ToFloats(decoded.data[0]!.embedding as string);
    expect(vector).toHaveLength(256);
    expect(vector).toEqual(floats.data[0]!.embedding as number[]);
  });

  test("input_type reaches Voyage", async () => {
    const query = await roundTrip(baseUrl, { model: "e", input: "a", input_type: "query" });
    const document = await roundTrip(baseUrl, { model: "e", input: "a", input_type: "document" });
    expect(sim.requests.map((request) => (request.body as { input_type?: string }).input_type))
      .toEqual(["query", "document"]);
    expect(query.data[0]!.embedding).not.toEqual(document.data[0]!.embedding);
  });

  test("rate limit error", async () => {
    sim.enqueue({ match: { provider: "voyage" }, status: 429, headers: { "retry-after": "7" } });
    const failure = roundTrip(baseUrl, { model: "embed-small", input: "a" });
    await expect(failure).rejects.toThrow(
      expect.objectContaining({ code: "upstream_rate_limited", status: 429, retryAfter: "7" }),
    );
  });

  test("rejected dimension keeps Voyage's detail", async () => {
    const failure = roundTrip(baseUrl, { model: "embed-small", input: "a", dimensions: 3 });
    await expect(failure).rejects.toThrow(
      expect.objectContaining({
        code: "upstream_bad_request",
        status: 400,
        message: expect.stringContaining("output_dimension must be one of"),
      }),
    );
  });

  test("unknown model error", async () => {
    const failure = roundTrip(baseUrl, { model: "x", input: "a" }, "text-embedding-3-small");
    await expect(failure).rejects.toThrow(
      expect.objectContaining({
        status: 400,
        message: expect.stringContaining("Model text-embedding-3-small is not supported."),
      }),
    );
  });
});
