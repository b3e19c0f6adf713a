import { afterAll, describe, expect, test } from "bun:test";
import type { ChatChunk, ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import type { DecodeContext } from "../../../runtime/providers/codec.ts";
import { openaiCodec } from "../../../runtime/providers/openai/codec.ts";
import { collectUntilError, streamText } from "./byte-streams.ts";

const CLIENT_MODEL = "client-model";
const REQUEST: ChatRequest = { model: CLIENT_MODEL, messages: [], stream: true };
const CONTEXT: DecodeContext = { clientModel: CLIENT_MODEL, request: REQUEST };

function chunk(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "upstream-model",
    choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }],
    ...fields,
  };
}

const USAGE = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

function sse(...payloads: unknown[]): string {
  return payloads
    .map((payload) => (typeof payload === "string" ? payload : JSON.stringify(payload)))
    .map((data) => `data: ${data}\n\n`)
    .join("");
}

async function decode(text: string, readSize = 0) {
  return collectUntilError(openaiCodec.decodeChatStream(streamText(text, readSize), CONTEXT));
}

function errorCode(error: unknown): string | null {
  return error instanceof NexusError ? error.code : null;
}

describe("decodeChatStream errors", () => {
  const cases: { name: string; body: string; code: string; status: number; chunks: number }[] = [
    {
      name: "OpenAI in-stream error",
      body: sse(chunk({}), { error: { message: "boom", type: "server_error", code: null } }),
      code: "upstream_error",
      status: 500,
      chunks: 1,
    },
    {
      name: "OpenRouter numeric code",
      body: sse(chunk({}), { error: { code: 429, message: "Rate limit exceeded" } }),
      code: "upstream_rate_limited",
      status: 429,
      chunks: 1,
    },
    {
      name: "vLLM error object",
      body: sse({ error: { object: "error", message: "bad", type: "BadRequestError", code: 400 } }),
      code: "upstream_bad_request",
      status: 400,
      chunks: 0,
    },
    {
      name: "error event name",
      body: `event: error\ndata: {"message":"overloaded","type":"overloaded_error"}\n\n`,
      code: "upstream_overloaded",
      status: 503,
      chunks: 0,
    },
    {
      name: "non-JSON data",
      body: sse(chunk({}), "not json"),
      code: "upstream_invalid_response",
      status: 502,
      chunks: 1,
    },
    {
      name: "object without choices",
      body: sse({ id: "x", object: "chat.completion.chunk" }),
      code: "upstream_invalid_response",
      status: 502,
      chunks: 0,
    },
    {
      name: "cut after whole chunks",
      body: `${sse(chunk({}), chunk({}))}data: {"id":"chatcmpl-1","obj`,
      code: "upstream_stream_cut",
      status: 502,
      chunks: 2,
    },
    {
      name: "closed without [DONE]",
      body: sse(chunk({})),
      code: "upstream_stream_cut",
      status: 502,
      chunks: 1,
    },
    {
      name: "empty body",
      body: "",
      code: "upstream_stream_cut",
      status: 502,
      chunks: 0,
    },
  ];

  for (const testCase of cases) {
    for (const readSize of [0, 1]) {
      test(`${testCase.name} (${readSize || "whole"} reads)`, async () => {
        const { items, error } = await decode(testCase.body, readSize);
        expect(errorCode(error)).toBe(testCase.code);
        expect((error as NexusError).status).toBe(testCase.status);
        expect(items.length).toBe(testCase.chunks);
      });
    }
  }

  test("in-stream error keeps the message", async () => {
    const body = sse({ error: { message: "model melted", type: "server_error" } });
    const { error } = await decode(body);
    expect((error as NexusError).message).toBe("model melted");
  });

  test("cut stream still yields held usage", async () => {
    const body = sse(chunk({}), chunk({ choices: [], usage: USAGE }));
    const { items, error } = await decode(body);

    expect(errorCode(error)).toBe("upstream_stream_cut");
    expect(items.at(-1)?.usage).toEqual(USAGE);
  });

  test("last data line without blank line completes", async () => {
    const body = `${sse(chunk({}))}data: [DONE]\n`;
    const { items, error } = await decode(body, 1);

    expect(error).toBeNull();
    expect(items.length).toBe(2);
  });

  test("last data line cut mid-line is a cut", async () => {
    const { error } = await decode(`${sse(chunk({}))}data: [DON`);
    expect(errorCode(error)).toBe("upstream_stream_cut");
  });
});

describe("decodeChatStream usage chunk", () => {
  test("usage null chunks keep their shape", async () => {
    const { items } = await decode(`${sse(chunk({ usage: null }))}data: [DONE]\n\n`);
    expect(items[0]).toEqual({ ...chunk({ usage: null }), model: CLIENT_MODEL } as ChatChunk);
    expect("usage" in (items[0] ?? {})).toBe(true);
  });

  test("chunk without usage field stays without it", async () => {
    const { items } = await decode(`${sse(chunk({}))}data: [DONE]\n\n`);
    expect("usage" in (items[0] ?? {})).toBe(false);
    expect(items[1]?.usage).toBeNull();
  });

  test("repeated usage keeps only the last", async () => {
    const later = { ...USAGE, completion_tokens: 4, total_tokens: 7 };
    const body = sse(chunk({ usage: USAGE }), chunk({ usage: later }), "[DONE]");
    const { items } = await decode(body);

    expect(items.length).toBe(3);
    expect(items.filter((item) => item.usage !== null && item.usage !== undefined).length).toBe(1);
    expect(items.at(-1)).toMatchObject({ choices: [], usage: later, model: CLIENT_MODEL });
  });

  test("usage chunk before last choice moves last", async () => {
    const body = sse(chunk({ choices: [], usage: USAGE }), chunk({}), "[DONE]");
    const { items } = await decode(body);

    expect(items.length).toBe(2);
    expect(items[0]?.choices.length).toBe(1);
    expect(items[1]).toMatchObject({ choices: [], usage: USAGE });
  });

  test("only [DONE] yields one empty usage chunk", async () => {
    const { items, error } = await decode("data: [DONE]\n\n");

    expect(error).toBeNull();
    expect(items.length).toBe(1);
    expect(items[0]).toMatchObject({ choices: [], usage: null, model: CLIENT_MODEL });
  });

  test("events after [DONE] are not read", async () => {
    let cancelled = false;
    const bytes = new TextEncoder().encode(`${sse(chunk({}), "[DONE]")}`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
      },
      cancel() {
        cancelled = true;
      },
    });
    const { items, error } = await collectUntilError(openaiCodec.decodeChatStream(body, CONTEXT));

    expect(error).toBeNull();
    expect(items.length).toBe(2);
    // A body that never ends is read for at most a second, then cancelled.
    for (let waited = 0; !cancelled && waited < 2000; waited += 20) await Bun.sleep(20);
    expect(cancelled).toBe(true);
  });

  test("early stop cancels the upstream body", async () => {
    let cancelled = false;
    const bytes = new TextEncoder().encode(sse(chunk({}), chunk({})));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const item of openaiCodec.decodeChatStream(body, CONTEXT)) {
      expect(item.model).toBe(CLIENT_MODEL);
      break;
    }
    await Bun.sleep(1);

    // A body that never ends is read for at most a second, then cancelled.
    for (let waited = 0; !cancelled && waited < 2000; waited += 20) await Bun.sleep(20);
    expect(cancelled).toBe(true);
  });

  test("CRLF framing and split emoji decode", async () => {
    const text = "naïve 😀 数据";
    const body = sse(chunk({ choices: [{ index: 0, delta: { content: text } }] }), "[DONE]")
      .replaceAll("\n", "\r\n");
    for (const readSize of [1, 2, 3, 5]) {
      const { items, error } = await decode(body, readSize);
      expect(error).toBeNull();
      expect(items[0]?.choices[0]?.delta.content).toBe(text);
    }
  });
});

describe("decodeChatStream over a socket", () => {
  const servers: { stop(closeActiveConnections?: boolean): void }[] = [];
  afterAll(() => {
    for (const server of servers) server.stop(true);
  });

  function serveStream(parts: string[]): string {
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch() {
        const encoder = new TextEncoder();
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const part = parts.shift();
            if (part !== undefined) {
              controller.enqueue(encoder.encode(part));
              await Bun.sleep(1);
            } else {
              controller.close();
            }
          },
        });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      },
    });
    servers.push(server);
    return `http://127.0.0.1:${server.port}/`;
  }

  test("whole stream arrives over HTTP", async () => {
    const body = sse(chunk({}), chunk({ choices: [], usage: USAGE }), "[DONE]");
    const parts = body.match(/[\s\S]{1,7}/g) ?? [];
    const response = await fetch(serveStream(parts));
    const { items, error } = await collectUntilError(
      openaiCodec.decodeChatStream(response.body!, CONTEXT),
    );

    expect(error).toBeNull();
    expect(items.length).toBe(2);
    expect(items[1]?.usage).toEqual(USAGE);
  });

  /** Sends a chunked SSE response over raw TCP and closes the socket before the body ends. */
  function serveDroppedStream(bodyStart: string): string {
    const head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n" +
      "transfer-encoding: chunked\r\n\r\n";
    const bodyChunk = `${Buffer.byteLength(bodyStart).toString(16)}\r\n${bodyStart}\r\n`;
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket) {
          socket.write(head + bodyChunk);
          setTimeout(() => socket.end(), 20);
        },
      },
    });
    servers.push(listener);
    return `http://127.0.0.1:${listener.port}/`;
  }

  test("connection dropped mid-stream is a cut", async () => {
    const response = await fetch(serveDroppedStream(`${sse(chunk({}))}data: {"id":"x`));
    const { items, error } = await collectUntilError(
      openaiCodec.decodeChatStream(response.body!, CONTEXT),
    );

    expect(errorCode(error)).toBe("upstream_stream_cut");
    expect((error as NexusError).cause).toBeInstanceOf(Error);
    expect(items.length).toBe(1);
  });

  test("abort is rethrown unchanged", async () => {
    const controller = new AbortController();
    const parts = Array.from({ length: 200 }, () => sse(chunk({})));
    const response = await fetch(serveStream(parts), { signal: controller.signal });
    const iterator = openaiCodec.decodeChatStream(response.body!, CONTEXT)[Symbol.asyncIterator]();

    await iterator.next();
    controller.abort();
    const { error } = await collectUntilError({ [Symbol.asyncIterator]: () => iterator });

    expect(error).toBeInstanceOf(Error);
    expect(error instanceof NexusError).toBe(false);
    expect((error as Error).name).toBe("AbortError");
  });
});
