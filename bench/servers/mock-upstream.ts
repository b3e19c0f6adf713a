// OpenAI-compatible mock provider for the benchmark. It returns the same body for every chat
// completion, so that all cost measured beyond it belongs to the contender in front of it.
//
// Run as its own process: bun servers/mock-upstream.ts --port N [--first-byte-ms MS]
//   [--chunk-gap-ms MS] [--chunks N]
import { parseArgs } from "node:util";

export interface MockUpstreamOptions {
  port: number;
  /** Delay before the response starts, in ms; mimics a provider's time to first token. */
  firstByteMs: number;
  /** Delay between two SSE events, in ms. */
  chunkGapMs: number;
  /** Content chunks per stream; a usage chunk and `[DONE]` follow them. */
  chunks: number;
}

export const MOCK_MODEL = "gpt-4o-mini";
const CREATED = 1_700_000_000;
const encoder = new TextEncoder();

function completionBody(): string {
  return JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: CREATED,
    model: MOCK_MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Hello from the benchmark upstream." },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 },
  });
}

function sseEvent(data: string): Uint8Array {
  return encoder.encode(`data: ${data}\n\n`);
}

function chunkData(choices: unknown[], usage: unknown = null): string {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: CREATED };
  return JSON.stringify({ ...base, model: MOCK_MODEL, choices, usage });
}

/** Builds the SSE events once: `chunks` content deltas, a usage chunk, then `[DONE]`. */
export function streamEvents(chunks: number): Uint8Array[] {
  const events: Uint8Array[] = [];
  for (let i = 0; i < chunks; i++) {
    const delta = i === 0 ? { role: "assistant", content: "tok " } : { content: "tok " };
    const finish = i === chunks - 1 ? "stop" : null;
    events.push(sseEvent(chunkData([{ index: 0, delta, finish_reason: finish }])));
  }

  const usage = { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks };
  events.push(sseEvent(chunkData([], usage)));
  events.push(sseEvent("[DONE]"));
  return events;
}

function streamResponse(events: Uint8Array[], gapMs: number): Response {
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > 0 && gapMs > 0) await Bun.sleep(gapMs);
      controller.enqueue(events[index]!);
      index++;
      if (index === events.length) controller.close();
    },
  });
  const headers = { "content-type": "text/event-stream", "cache-control": "no-cache" };
  return new Response(body, { headers });
}

function jsonError(status: number, message: string): Response {
  const error = { message, type: "invalid_request_error", code: null };
  return Response.json({ error }, { status });
}

/** Starts the mock on 127.0.0.1 and returns the server. */
export function startMockUpstream(options: MockUpstreamOptions) {
  const completion = completionBody();
  const events = streamEvents(options.chunks);

  return Bun.serve({
    hostname: "127.0.0.1",
    port: options.port,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/healthz") return new Response("ok");
      if (path !== "/v1/chat/completions" || request.method !== "POST") {
        return jsonError(404, `no route for ${request.method} ${path}`);
      }

      // Parse the body as a provider would, so an invalid request fails here and not later.
      let stream = false;
      try {
        const body = (await request.json()) as { stream?: unknown };
        stream = body.stream === true;
      } catch {
        return jsonError(400, "request body is not valid JSON");
      }

      if (options.firstByteMs > 0) await Bun.sleep(options.firstByteMs);
      if (stream) return streamResponse(events, options.chunkGapMs);
      return new Response(completion, { headers: { "content-type": "application/json" } });
    },
  });
}

function optionsFromArgv(argv: string[]): MockUpstreamOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "0" },
      "first-byte-ms": { type: "string", default: "0" },
      "chunk-gap-ms": { type: "string", default: "0" },
      chunks: { type: "string", default: "20" },
    },
  });
  return {
    port: Number(values.port),
    firstByteMs: Number(values["first-byte-ms"]),
    chunkGapMs: Number(values["chunk-gap-ms"]),
    chunks: Number(values.chunks),
  };
}

if (import.meta.main) {
  const server = startMockUpstream(optionsFromArgv(Bun.argv.slice(2)));
  console.log(JSON.stringify({ event: "listening", port: server.port }));
}
