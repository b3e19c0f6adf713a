import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;

beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});

afterAll(async () => {
  await harness.close();
});

const CHAT = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
const MESSAGES = JSON.stringify({
  model: "claude-test",
  max_tokens: 32,
  messages: [{ role: "user", content: "hi" }],
});

function post(path: string, body: Uint8Array | ReadableStream<Uint8Array>,
  encoding: string): Promise<Response> {
  const payload = body instanceof Uint8Array ? Buffer.from(body) : body;
  return fetch(`${harness.gateway.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      "content-encoding": encoding,
    },
    body: payload as BodyInit,
  });
}

/** Wraps bytes in a stream, so fetch sends them chunked, without `content-length`. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

interface OpenAIError {
  error: { code: string; message: string };
}

describe("compressed request bodies", () => {
  const encoders: [string, (text: string) => Uint8Array][] = [
    ["gzip", (text) => zlib.gzipSync(text)],
    ["x-gzip", (text) => zlib.gzipSync(text)],
    ["deflate", (text) => zlib.deflateSync(text)],
    ["deflate", (text) => zlib.deflateRawSync(text)],
    ["br", (text) => zlib.brotliCompressSync(text)],
    ["GZIP, identity", (text) => zlib.gzipSync(text)],
  ];

  for (const [index, [encoding, encode]] of encoders.entries()) {
    test(`chat decodes ${encoding} (${index})`, async () => {
      const response = await post("/v1/chat/completions", encode(CHAT), encoding);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: unknown[] };
      expect(body.choices).toHaveLength(1);

      const event = await harness.event(response.headers.get("x-request-id")!);
      expect(event?.status).toBe(200);
    });
  }

  test("messages decodes gzip", async () => {
    const response = await post("/v1/messages", zlib.gzipSync(MESSAGES), "gzip");
    expect(response.status).toBe(200);
    expect(((await response.json()) as { type: string }).type).toBe("message");
  });

  test("chunked gzip body is decoded", async () => {
    const response = await post("/v1/chat/completions", streamOf(zlib.gzipSync(CHAT)), "gzip");
    expect(response.status).toBe(200);
  });

  test("decompression bomb is 413", async () => {
    // The harness limit is 1 MiB; this body is a few KiB and decodes to 8 MiB.
    const huge = JSON.stringify({ model: "gpt-test",
      messages: [{ role: "user", content: "a".repeat(8 * 1024 * 1024) }] });
    const bomb = zlib.gzipSync(huge, { level: 9 });
    expect(bomb.byteLength).toBeLessThan(64 * 1024);

    for (const body of [bomb, streamOf(bomb)]) {
      const response = await post("/v1/chat/completions", body, "gzip");
      expect(response.status).toBe(413);
      const parsed = (await response.json()) as OpenAIError;
      expect(parsed.error.code).toBe("body_too_large");
      expect(parsed.error.message).toContain("once decoded");
    }
  });

  test("corrupt gzip is 400", async () => {
    const response = await post("/v1/chat/completions", new TextEncoder().encode(CHAT), "gzip");
    expect(response.status).toBe(400);
    const parsed = (await response.json()) as OpenAIError;
    expect(parsed.error.code).toBe("invalid_request");
    expect(parsed.error.message).toContain("not valid gzip data");
  });

  for (const encoding of ["zstd", "gzip, br", "compress"]) {
    test(`unsupported ${encoding} is 415`, async () => {
      const response = await post("/v1/chat/completions", zlib.gzipSync(CHAT), encoding);
      expect(response.status).toBe(415);
      const parsed = (await response.json()) as OpenAIError;
      expect(parsed.error.code).toBe("invalid_request");
      expect(parsed.error.message).toContain(`Content-Encoding "${encoding}" is not supported`);

      const event = await harness.event(response.headers.get("x-request-id")!);
      expect(event?.status).toBe(415);
    });
  }

  test("unsupported encoding on messages uses Anthropic shape", async () => {
    const response = await post("/v1/messages", zlib.gzipSync(MESSAGES), "zstd");
    expect(response.status).toBe(415);
    const parsed = (await response.json()) as { type: string; error: { message: string } };
    expect(parsed.type).toBe("error");
    expect(parsed.error.message).toContain('Content-Encoding "zstd" is not supported');
  });
});
