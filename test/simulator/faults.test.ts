/** Wire faults seen by a raw fetch client: cuts, split writes, gzip, delays and stalls. */

import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startSimulator, type Simulator } from "./server.ts";
import {
  STREAMED_COMPLETION,
  STREAMED_MESSAGE,
  anthropicRequest,
  chunkFrameSizes,
  decode,
  eventNames,
  openaiRequest,
  readBody,
  waitFor,
} from "./test-client.ts";

let sim: Simulator;
let messagesUrl: string;
let chatUrl: string;

beforeAll(async () => {
  sim = await startSimulator();
  messagesUrl = `${sim.url}/anthropic/v1/messages`;
  chatUrl = `${sim.url}/openai/v1/chat/completions`;
});
afterAll(() => sim.close());

function sdkClients(): { anthropic: Anthropic; openai: OpenAI } {
  return {
    anthropic: new Anthropic({ apiKey: "k", baseURL: `${sim.url}/anthropic`, maxRetries: 0 }),
    openai: new OpenAI({ apiKey: "k", baseURL: `${sim.url}/openai/v1`, maxRetries: 0 }),
  };
}
beforeEach(() => sim.reset());

describe("cuts", () => {
  test("cutAfterEvents resets mid-stream", async () => {
    sim.enqueue({ cutAfterEvents: 3 });
    const response = await fetch(messagesUrl, anthropicRequest(STREAMED_MESSAGE));
    const result = await readBody(response);

    expect(response.status).toBe(200);
    expect(result.errorCode).toBe("ECONNRESET");
    const names = eventNames(decode(result.bytes));
    expect(names).toEqual(["message_start", "content_block_start", "ping"]);
  });

  test("cutAfterEvents on openai omits DONE", async () => {
    sim.enqueue({ cutAfterEvents: 2 });
    const result = await readBody(await fetch(chatUrl, openaiRequest(STREAMED_COMPLETION)));
    const text = decode(result.bytes);

    expect(result.errorCode).toBe("ECONNRESET");
    expect(eventNames(text)).toEqual(["data", "data"]);
    expect(text).not.toContain("[DONE]");
  });

  test("cutAfterBytes on a JSON body", async () => {
    sim.enqueue({ cutAfterBytes: 20 });
    const body = { ...STREAMED_COMPLETION, stream: false };
    const result = await readBody(await fetch(chatUrl, openaiRequest(body)));

    expect(result.errorCode).toBe("ECONNRESET");
    expect(result.bytes.length).toBe(20);
    expect(decode(result.bytes)).toStartWith('{"id":"chatcmpl-');
  });

  test("SDK streams fail on a cut", async () => {
    sim.enqueue({ cutAfterEvents: 4, match: { provider: "openai" } });
    sim.enqueue({ cutAfterEvents: 4, match: { provider: "anthropic" } });
    const { anthropic, openai } = sdkClients();

    let openaiError: unknown;
    try {
      const stream = await openai.chat.completions.create(STREAMED_COMPLETION);
      for await (const chunk of stream) void chunk;
    } catch (error) {
      openaiError = error;
    }
    const anthropicError = await anthropic.messages
      .stream(STREAMED_MESSAGE)
      .finalMessage()
      .catch((error: unknown) => error);

    expect((openaiError as { code?: string }).code).toBe("ECONNRESET");
    expect(anthropicError).toBeInstanceOf(Anthropic.APIConnectionError);
    const cause = (anthropicError as Error & { cause?: { code?: string } }).cause;
    expect(cause?.code).toBe("ECONNRESET");
  });
});

describe("split writes", () => {
  test("pieces split UTF-8 characters", async () => {
    sim.enqueue({ splitWrites: 3 });
    const result = await readBody(await fetch(chatUrl, openaiRequest(STREAMED_COMPLETION)));
    const text = decode(result.bytes);

    expect(result.errorCode).toBeUndefined();
    expect(result.reads.length).toBeGreaterThan(50);
    expect(text).toContain('"content":"Echo: Gr');
    expect(text).toEndWith("data: [DONE]\n\n");
    // A lone UTF-8 lead or continuation byte at a read boundary proves a character was split.
    let offset = 0;
    let splitCharacter = false;
    for (const size of result.reads) {
      offset += size;
      const next = result.bytes[offset];
      if (next !== undefined && (next & 0xc0) === 0x80) splitCharacter = true;
    }
    expect(splitCharacter).toBe(true);
  });

  test("each write is one small chunk", async () => {
    sim.enqueue({ splitWrites: 4 });
    const path = "/openai/v1/chat/completions";
    const sizes = await chunkFrameSizes(sim.port, path, openaiRequest(STREAMED_COMPLETION));

    expect(sizes.length).toBeGreaterThan(50);
    expect(Math.max(...sizes)).toBe(4);
  });

  test("SDKs parse split streams", async () => {
    sim.enqueue({ splitWrites: 5, match: { provider: "anthropic" } });
    sim.enqueue({ splitWrites: 5, match: { provider: "openai" } });
    const { anthropic, openai } = sdkClients();

    const message = await anthropic.messages.stream(STREAMED_MESSAGE).finalMessage();
    const runner = openai.chat.completions.stream({ ...STREAMED_COMPLETION, stream: true });
    const completion = await runner.finalChatCompletion();

    expect(message.content as unknown[]).toEqual([{ type: "text", text: "Echo: Grüße ✓ 東京 🎉" }]);
    expect(completion.choices[0]?.message.content).toBe("Echo: Grüße ✓ 東京 🎉");
  });
});

describe("gzip", () => {
  test("stream is gzip-encoded per event", async () => {
    sim.enqueue({ gzip: true });
    const init = anthropicRequest(STREAMED_MESSAGE, { decompress: false });
    const response = await fetch(messagesUrl, init);
    const raw = await readBody(response);
    const text = decode(Bun.gunzipSync(new Uint8Array(raw.bytes)));

    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(raw.bytes[0]).toBe(0x1f);
    expect(raw.bytes[1]).toBe(0x8b);
    expect(eventNames(text).at(-1)).toBe("message_stop");
  });

  test("fetch inflates a gzip stream", async () => {
    sim.enqueue({ gzip: true });
    const result = await readBody(await fetch(chatUrl, openaiRequest(STREAMED_COMPLETION)));

    expect(result.errorCode).toBeUndefined();
    expect(decode(result.bytes)).toEndWith("data: [DONE]\n\n");
  });

  test("cut gzip stream still inflates", async () => {
    sim.enqueue({ gzip: true, cutAfterEvents: 2 });
    const result = await readBody(await fetch(messagesUrl, anthropicRequest(STREAMED_MESSAGE)));

    expect(result.errorCode).toBe("ECONNRESET");
    expect(eventNames(decode(result.bytes))).toEqual(["message_start", "content_block_start"]);
  });

  test("gzip JSON body", async () => {
    sim.enqueue({ gzip: true });
    const body = { ...STREAMED_COMPLETION, stream: false };
    const response = await fetch(chatUrl, openaiRequest(body, { decompress: false }));
    const json = JSON.parse(decode(Bun.gunzipSync(new Uint8Array(await response.arrayBuffer()))));

    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(json.choices[0].message.content).toBe("Echo: Grüße ✓ 東京 🎉");
  });
});

describe("timing", () => {
  test("latencyMs delays the headers", async () => {
    sim.enqueue({ latencyMs: 150 });
    const started = performance.now();
    const response = await fetch(chatUrl, openaiRequest({ ...STREAMED_COMPLETION, stream: false }));
    const elapsed = performance.now() - started;

    expect(response.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  test("interChunkDelayMs spaces events", async () => {
    sim.enqueue({ interChunkDelayMs: 25 });
    const started = performance.now();
    const result = await readBody(await fetch(chatUrl, openaiRequest(STREAMED_COMPLETION)));
    const elapsed = performance.now() - started;
    const events = eventNames(decode(result.bytes)).length;

    expect(events).toBeGreaterThan(3);
    expect(elapsed).toBeGreaterThanOrEqual((events - 1) * 25 - 10);
  });
});

describe("disconnects", () => {
  test("hangAfterEvents stalls until abort", async () => {
    sim.enqueue({ hangAfterEvents: 2 });
    const controller = new AbortController();
    const init = anthropicRequest(STREAMED_MESSAGE, { signal: controller.signal });
    const response = await fetch(messagesUrl, init);
    const reader = response.body!.getReader();
    let text = "";
    while (eventNames(text).length < 2) text += decode((await reader.read()).value!);

    const nextRead = reader.read().then(() => false);
    const stalled = await Promise.race([nextRead, Bun.sleep(150).then(() => true)]);
    expect(stalled).toBe(true);
    expect(sim.disconnects).toBe(0);

    controller.abort();
    expect(await waitFor(() => sim.disconnects === 1)).toBe(true);
  });

  test("abort during latency counts", async () => {
    sim.enqueue({ latencyMs: 2000 });
    const controller = new AbortController();
    const init = openaiRequest(STREAMED_COMPLETION, { signal: controller.signal });
    const pending = fetch(chatUrl, init);
    pending.catch(() => undefined);
    await waitFor(() => sim.requests.length === 1);
    controller.abort();

    expect(await waitFor(() => sim.disconnects === 1)).toBe(true);
  });

  test("complete response is no disconnect", async () => {
    await readBody(await fetch(chatUrl, openaiRequest(STREAMED_COMPLETION)));
    await readBody(await fetch(chatUrl, openaiRequest({ ...STREAMED_COMPLETION, stream: false })));
    sim.enqueue({ cutAfterEvents: 1 });
    await readBody(await fetch(chatUrl, openaiRequest(STREAMED_COMPLETION)));
    await Bun.sleep(50);

    expect(sim.disconnects).toBe(0);
  });
});

describe("sse styles", () => {
  test("crlf frames every line", async () => {
    sim.enqueue({ sseStyle: "crlf" });
    const response = await fetch(messagesUrl, anthropicRequest(STREAMED_MESSAGE));
    const text = decode((await readBody(response)).bytes);

    expect(text).toStartWith("event: message_start\r\ndata: {");
    expect(text.replaceAll("\r\n", "")).not.toContain("\n");
  });

  test("padded adds comments", async () => {
    sim.enqueue({ sseStyle: "padded" });
    const response = await fetch(chatUrl, openaiRequest(STREAMED_COMPLETION));
    const text = decode((await readBody(response)).bytes);

    expect(text).toStartWith(': simulator padding\ndata:{"id"');
    expect(text).toEndWith("data:[DONE]\n\n\n");
  });

  for (const style of ["crlf", "padded"] as const) {
    test(`SDKs parse ${style} streams`, async () => {
      sim.enqueue({ sseStyle: style, match: { provider: "anthropic" } });
      sim.enqueue({ sseStyle: style, match: { provider: "openai" } });
      const { anthropic, openai } = sdkClients();

      const message = await anthropic.messages.stream(STREAMED_MESSAGE).finalMessage();
      const runner = openai.chat.completions.stream({ ...STREAMED_COMPLETION, stream: true });
      const completion = await runner.finalChatCompletion();

      expect(message.content as unknown[]).toEqual([{ type: "text", text: "Echo: Grüße ✓ 東京 🎉" }]);
      expect(completion.choices[0]?.message.content).toBe("Echo: Grüße ✓ 東京 🎉");
    });
  }
});
