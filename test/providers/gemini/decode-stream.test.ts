import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { geminiCodec } from "../../../runtime/providers/gemini/codec.ts";
import {
  assemble,
  chunkLines,
  collect,
  collectUntilError,
  contextFor,
  encoder,
  fixturesPresent,
  frameSse,
  readFixture,
  streamOf,
} from "./fixtures.ts";

function decode(lines: string[], size = 0) {
  const body = streamOf(encoder.encode(frameSse(lines)), size);
  return geminiCodec.decodeChatStream(body, contextFor());
}

const usage = { promptTokenCount: 4, candidatesTokenCount: 3, thoughtsTokenCount: 2 };

function event(parts: unknown[], extra: Record<string, unknown> = {}, index = 0): string {
  return JSON.stringify({
    candidates: [{ content: { role: "model", parts }, index, ...extra }],
    usageMetadata: usage,
    responseId: "resp-1",
  });
}

describe("decodeChatStream", () => {
  test("thought parts become reasoning_content before the answer", async () => {
    const chunks = await collect(
      decode([
        event([{ text: "Let me think. ", thought: true }]),
        event([{ text: "Hi" }]),
        event([{ text: "!", thoughtSignature: "sig" }], { finishReason: "STOP" }),
      ]),
    );
    const answer = assemble(chunks);
    expect(answer.reasoning).toBe("Let me think. ");
    expect(answer.text).toBe("Hi!");
    expect(answer.signatures).toEqual(["sig"]);
    expect(answer.finish).toBe("stop");
    expect(chunks[0]!.id).toBe("resp-1");
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(5);
  });

  test("MAX_TOKENS finishes with length", async () => {
    const chunks = await collect(decode([event([{ text: "a" }], { finishReason: "MAX_TOKENS" })]));
    expect(assemble(chunks).finish).toBe("length");
  });

  test("SAFETY finishes with content_filter", async () => {
    const chunks = await collect(decode([event([], { finishReason: "SAFETY" })]));
    expect(assemble(chunks).finish).toBe("content_filter");
  });

  test("a blocked prompt ends with content_filter and empty content", async () => {
    const blocked = JSON.stringify({ promptFeedback: { blockReason: "SAFETY" } });
    const chunks = await collect(decode([blocked]));
    const answer = assemble(chunks);
    expect(answer.text).toBe("");
    expect(answer.finish).toBe("content_filter");
    expect(chunks.at(-1)!.choices).toEqual([]);
  });

  test("two candidates decode to two choices", async () => {
    const chunks = await collect(
      decode([
        event([{ text: "one" }], { finishReason: "STOP" }, 0),
        event([{ text: "two" }], { finishReason: "STOP" }, 1),
      ]),
    );
    expect(assemble(chunks, 0).text).toBe("one");
    expect(assemble(chunks, 1).text).toBe("two");
    expect(assemble(chunks, 1).roleFirst).toBe(true);
  });

  test("a stream that closes without a finishReason is cut", async () => {
    const { chunks, error } = await collectUntilError(decode([event([{ text: "Hel" }])], 1));
    expect(assemble(chunks).text).toBe("Hel");
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).code).toBe("upstream_stream_cut");
    const last = chunks.at(-1)!;
    expect(last.usage_partial).toBe(true);
    expect(last.usage?.prompt_tokens).toBe(4);
  });

  test("an error object in the stream becomes the mapped error", async () => {
    const failure = JSON.stringify({
      error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" },
    });
    const { chunks, error } = await collectUntilError(decode([event([{ text: "a" }]), failure]));
    expect(assemble(chunks).text).toBe("a");
    expect((error as NexusError).code).toBe("upstream_overloaded");
    expect((error as NexusError).status).toBe(503);
  });

  test("an event that is not JSON is an invalid response", async () => {
    const { error } = await collectUntilError(decode(["{not json"]));
    expect((error as NexusError).code).toBe("upstream_invalid_response");
  });

  test.skipIf(!fixturesPresent)("streamed arguments rebuild both parallel calls", async () => {
    const lines = chunkLines(readFixture("google-stream-tool-call-arguments.chunks.txt"));
    const answer = assemble(await collect(decode(lines, 1)));
    const calls = answer.toolCalls.map((call) => [call.id, call.name, JSON.parse(call.arguments)]);
    expect(calls).toEqual([
      ["call_0", "getWeather", { location: "Boston" }],
      ["call_1", "getWeather", { location: "San Francisco" }],
    ]);
    expect(answer.finish).toBe("tool_calls");
  });
});

describe.skipIf(!fixturesPresent)("a recorded stream over a real socket", () => {
  let server: ReturnType<typeof Bun.serve>;

  beforeAll(() => {
    const body = frameSse(chunkLines(readFixture("google-reasoning.chunks.txt")));
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response(body, { headers: { "content-type": "text/event-stream" } }),
    });
  });

  afterAll(() => {
    server.stop(true);
  });

  test("decodes the fetched body", async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/stream`);
    const chunks = await collect(geminiCodec.decodeChatStream(response.body!, contextFor()));
    const answer = assemble(chunks);
    expect(answer.text).toBe(
      'There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.',
    );
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(29 + 256);
  });
});
