import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { EmbeddingRequest } from "../../../runtime/canonical/embeddings.ts";
import { voyageCodec } from "../../../runtime/providers/voyage/codec.ts";
import { base64ToFloats, floatsToBase64, target } from "./target.ts";

const VECTOR = [0.5, -0.75, 1.5];

/** What the mock Voyage server saw on its last request. */
interface Seen {
  path: string;
  authorization: string | null;
  body: Record<string, unknown>;
}

/** Sends a request the codec built, as the gateway would, and decodes the response. */
async function roundTrip(baseUrl: string, request: EmbeddingRequest) {
  const upstream = voyageCodec.encodeEmbeddingRequest!(request, { ...target, baseUrl });
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
  let server: ReturnType<typeof Bun.serve>;
  let baseUrl = "";
  let seen: Seen | null = null;

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        const body = (await request.json()) as Record<string, unknown>;
        seen = {
          path: new URL(request.url).pathname,
          authorization: request.headers.get("authorization"),
          body,
        };
        if (body.model !== "voyage-3.5") {
          return Response.json({ detail: "Model is not supported." }, { status: 404 });
        }
        if (body.input_type === "document") {
          const headers = { "retry-after": "7" };
          return Response.json({ detail: "Rate limit exceeded." }, { status: 429, headers });
        }
        const inputs = body.input as string[];
        const embedding = body.encoding_format === "base64" ? floatsToBase64(VECTOR) : VECTOR;
        return Response.json({
          object: "list",
          data: inputs.map((_, index) => ({ object: "embedding", embedding, index })),
          model: body.model,
          usage: { total_tokens: inputs.length * 3 },
        });
      },
    });
    baseUrl = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.stop(true));

  test("float vectors", async () => {
    const decoded = await roundTrip(baseUrl, { model: "embed-small", input: ["a", "b"] });
    expect(seen?.path).toBe("/v1/embeddings");
    expect(seen?.authorization).toBe("Bearer pa-test-key");
    expect(seen?.body).toEqual({ input: ["a", "b"], model: "voyage-3.5" });
    expect(decoded.model).toBe("embed-small");
    expect(decoded.data.map((item) => item.embedding)).toEqual([VECTOR, VECTOR]);
    expect(decoded.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
  });

  test("base64 vectors", async () => {
    const request: EmbeddingRequest = {
      model: "embed-small",
      input: "a",
      encoding_format: "base64",
      dimensions: 3,
    };
    const decoded = await roundTrip(baseUrl, request);
    expect(seen?.body.encoding_format).toBe("base64");
    expect(seen?.body.output_dimension).toBe(3);
    expect(base64ToFloats(decoded.data[0]!.embedding as string)).toEqual(VECTOR);
  });

  test("rate limit error", async () => {
    const request = { model: "embed-small", input: "a", input_type: "document" };
    const failure = roundTrip(baseUrl, request);
    await expect(failure).rejects.toThrow(
      expect.objectContaining({ code: "upstream_rate_limited", status: 429, retryAfter: "7" }),
    );
  });

  test("unknown model error", async () => {
    const otherModel = { ...target, baseUrl, upstreamModel: "voyage-9" };
    const upstream = voyageCodec.encodeEmbeddingRequest!({ model: "x", input: "a" }, otherModel);
    const response = await fetch(upstream.url, {
      method: upstream.method,
      headers: upstream.headers,
      body: upstream.body,
    });
    const error = voyageCodec.decodeError(response.status, response.headers, await response.text());
    expect(error.code).toBe("upstream_not_found");
    expect(error.status).toBe(404);
    expect(error.message).toContain("Model is not supported.");
  });
});
