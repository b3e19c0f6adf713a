import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import zlib from "node:zlib";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;
beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});
beforeEach(() => {
  harness.simulator.reset();
});
afterAll(async () => {
  await harness.close();
});

/** A valid request body whose message content holds the lone byte 0xFF, never valid UTF-8. */
function bodyWithInvalidUtf8(extra: string): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  return new Uint8Array(Buffer.concat([
    encoder.encode(`{"model":"gpt-test",${extra}"messages":[{"role":"user","content":"a`),
    Uint8Array.of(0xff),
    encoder.encode('b"}]}'),
  ]));
}

function post(path: string, body: BodyInit, encoding?: string): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${key}`,
    "content-type": "application/json",
  };
  if (encoding !== undefined) headers["content-encoding"] = encoding;
  return fetch(`${harness.gateway.url}${path}`, { method: "POST", headers, body });
}

test("chat completions rejects invalid UTF-8", async () => {
  const response = await post("/v1/chat/completions", bodyWithInvalidUtf8(""));
  expect(response.status).toBe(400);
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("invalid_json");
  expect(error.message).toContain("invalid UTF-8");
  expect(harness.simulator.requests).toHaveLength(0);
});

test("messages rejects invalid UTF-8 in its shape", async () => {
  const response = await post("/v1/messages", bodyWithInvalidUtf8('"max_tokens":16,'));
  expect(response.status).toBe(400);
  const body = (await response.json()) as {
    type: string;
    error: { type: string; message: string; details: { error_code: string } };
  };
  expect(body.type).toBe("error");
  expect(body.error.type).toBe("invalid_request_error");
  expect(body.error.details.error_code).toBe("invalid_json");
  expect(body.error.message).toContain("invalid UTF-8");
  expect(harness.simulator.requests).toHaveLength(0);
});

test("responses rejects invalid UTF-8", async () => {
  const body = Buffer.concat([
    new TextEncoder().encode('{"model":"gpt-test","input":"a'),
    Uint8Array.of(0xc3),
    new TextEncoder().encode('"}'),
  ]);
  const response = await post("/v1/responses", body);
  expect(response.status).toBe(400);
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("invalid_json");
  expect(error.message).toContain("invalid UTF-8");
  expect(harness.simulator.requests).toHaveLength(0);
});

test("chunked body with invalid UTF-8 is rejected", async () => {
  const bytes = bodyWithInvalidUtf8("");
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const response = await post("/v1/chat/completions", stream);
  expect(response.status).toBe(400);
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("invalid_json");
  expect(error.message).toContain("invalid UTF-8");
});

test("gzip body with invalid UTF-8 is rejected", async () => {
  const response = await post("/v1/chat/completions",
    zlib.gzipSync(bodyWithInvalidUtf8("")), "gzip");
  expect(response.status).toBe(400);
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("invalid_json");
  expect(error.message).toContain("invalid UTF-8");
  expect(harness.simulator.requests).toHaveLength(0);
});

test("valid multibyte UTF-8 still passes", async () => {
  const response = await post("/v1/chat/completions",
    JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "ünï 日本 😀" }] }));
  expect(response.status).toBe(200);
  await response.arrayBuffer();
});
