import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { anthropicCodec } from "../../../runtime/providers/anthropic/codec.ts";
import type { DecodeContext, ProviderCodec } from "../../../runtime/providers/codec.ts";
import { geminiCodec } from "../../../runtime/providers/gemini/codec.ts";
import { vertexCodec } from "../../../runtime/providers/vertex/codec.ts";
import { byteStream, collectWithError } from "../../support/byte-stream.ts";
import { FIXTURES_DIR, fixturesAvailable } from "../../support/fixtures.ts";

const VERCEL = join(FIXTURES_DIR, "recorded", "vercel-ai");
const present = fixturesAvailable() && existsSync(VERCEL);
const encoder = new TextEncoder();

const context: DecodeContext = {
  clientModel: "client-model",
  request: { model: "client-model", messages: [{ role: "user", content: "hi" }] },
};

/** SSE framing per publisher: Anthropic names each event, Google sends CRLF `data:` lines. */
function frame(folder: string, text: string): string {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (folder === "google") return lines.map((line) => `data: ${line}\r\n\r\n`).join("");
  return lines
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join("");
}

/** Chunk ids and timestamps are made per decode, so they are left out of comparisons. */
function comparable(chunks: ChatChunk[]): unknown[] {
  return chunks.map(({ id: _id, created: _created, ...rest }) => rest);
}

async function decodeWith(codec: ProviderCodec, sse: string, readSize: number) {
  const result = await collectWithError(
    codec.decodeChatStream(byteStream(encoder.encode(sse), readSize), context),
  );
  return { chunks: comparable(result.chunks), error: (result.error as Error | null)?.message };
}

function fixtureFiles(folder: string, suffix: string): string[] {
  const dir = join(VERCEL, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith(suffix) && !name.includes("429"));
}

const NATIVE: Record<string, ProviderCodec> = { google: geminiCodec, anthropic: anthropicCodec };

describe.skipIf(!present)("vertex decodes recorded streams", () => {
  for (const folder of ["google", "anthropic"]) {
    const files = fixtureFiles(folder, ".chunks.txt");
    test(`${folder} has streams`, () => {
      expect(files.length).toBeGreaterThanOrEqual(3);
    });

    for (const name of files) {
      test(`${folder}/${name} as native`, async () => {
        const sse = frame(folder, readFileSync(join(VERCEL, folder, name), "utf8"));
        const expected = await decodeWith(NATIVE[folder]!, sse, 0);
        expect(expected.chunks.length).toBeGreaterThan(0);
        for (const readSize of [0, 1, 7]) {
          expect(await decodeWith(vertexCodec, sse, readSize)).toEqual(expected);
        }
      });
    }
  }
});

describe.skipIf(!present)("vertex decodes recorded answers", () => {
  for (const folder of ["google", "anthropic"]) {
    for (const name of fixtureFiles(folder, ".json")) {
      test(`${folder}/${name} as native`, () => {
        const body: unknown = JSON.parse(readFileSync(join(VERCEL, folder, name), "utf8"));
        const { id: _a, created: _b, ...expected } = NATIVE[folder]!.decodeChatResponse(body,
          context);
        const { id: _c, created: _d, ...actual } = vertexCodec.decodeChatResponse(body, context);
        expect(actual).toEqual(expected);
      });
    }
  }
});

describe("vertex stream dispatch", () => {
  test("anthropic stream cut is reported", async () => {
    const start = JSON.stringify({
      type: "message_start",
      message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude",
        usage: { input_tokens: 5, output_tokens: 1 } },
    });
    const result = await decodeWith(vertexCodec, `event: message_start\ndata: ${start}\n\n`, 3);
    // Only the Anthropic decoder turns message_start into a chunk before the cut.
    expect(result.chunks.length).toBeGreaterThan(0);
    expect(result.error).toContain("stream ended early");
    const asGemini = await decodeWith(geminiCodec, `event: message_start\ndata: ${start}\n\n`, 3);
    expect(asGemini.chunks).toEqual([]);
  });

  test("empty stream is a gemini cut", async () => {
    const result = await decodeWith(vertexCodec, "", 0);
    expect(result.chunks).toEqual([]);
    expect(result.error).toContain("stream ended early");
  });

  test("comment lines before data are skipped", async () => {
    const data = JSON.stringify({
      candidates: [{ content: { role: "model", parts: [{ text: "Hi" }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 },
    });
    const sse = `: keep-alive\n\ndata: ${data}\n\n`;
    expect(await decodeWith(vertexCodec, sse, 4)).toEqual(await decodeWith(geminiCodec, sse, 0));
  });

  test("a broken read after the peek is a cut", async () => {
    const data = JSON.stringify({
      candidates: [{ content: { role: "model", parts: [{ text: "Hi" }] } }],
    });
    const bytes = encoder.encode(`data: ${data}\r\n\r\n`);
    let sent = false;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new TypeError("socket closed"));
        sent = true;
        controller.enqueue(bytes);
      },
    });
    const result = await collectWithError(vertexCodec.decodeChatStream(broken, context));
    expect(result.chunks.length).toBeGreaterThan(0);
    expect((result.error as { code?: string }).code).toBe("upstream_stream_cut");
  });
});

describe("vertex error dispatch", () => {
  const headers = new Headers({ "retry-after": "9" });

  test("google status body", () => {
    const body = JSON.stringify({
      error: { code: 429, message: "Quota exceeded for aiplatform.googleapis.com",
        status: "RESOURCE_EXHAUSTED" },
    });
    const error = vertexCodec.decodeError(429, headers, body);
    expect(error.code).toBe("upstream_rate_limited");
    expect(error.retryAfter).toBe("9");
    expect(error.message).toContain("Quota exceeded");
  });

  test("anthropic error body", () => {
    const body = JSON.stringify({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    const error = vertexCodec.decodeError(529, new Headers(), body);
    expect(error.code).toBe("upstream_overloaded");
    expect(error.status).toBe(503);
    expect(error.message).toContain("Overloaded");
  });

  test("google 401 on a claude path", () => {
    const body = JSON.stringify({
      error: { code: 401, message: "Request had invalid authentication credentials.",
        status: "UNAUTHENTICATED" },
    });
    const error = vertexCodec.decodeError(401, new Headers(), body);
    expect(error.code).toBe("upstream_auth_failed");
    expect(error.status).toBe(401);
  });

  test("non-JSON body", () => {
    const error = vertexCodec.decodeError(502, new Headers(), "<html>Bad Gateway</html>");
    expect(error.status).toBeGreaterThanOrEqual(500);
  });
});
