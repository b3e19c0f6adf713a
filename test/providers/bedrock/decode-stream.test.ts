import { describe, expect, test } from "bun:test";
import type { ChatChunk } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { decodeChatStream } from "../../../runtime/providers/bedrock/decode-stream.ts";
import { readEventStream } from "../../../runtime/providers/bedrock/event-stream.ts";
import { byteStream, collectWithError } from "../../support/byte-stream.ts";
import { concat, contextFor, eventMessage, exceptionMessage } from "./frames.ts";

const TEXT_STREAM = [
  eventMessage("messageStart", { role: "assistant" }),
  eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hel" } }),
  eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "lo é" } }),
  eventMessage("contentBlockStop", { contentBlockIndex: 0 }),
  eventMessage("messageStop", { stopReason: "end_turn" }),
  eventMessage("metadata", {
    usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14, cacheReadInputTokens: 3 },
    metrics: { latencyMs: 5 },
  }),
];

function textOf(chunks: ChatChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

async function decode(bytes: Uint8Array, readSize = 0) {
  return collectWithError(decodeChatStream(byteStream(bytes, readSize), contextFor()));
}

describe("event stream reader", () => {
  test("several messages per read", async () => {
    const messages = [];
    for await (const item of readEventStream(byteStream(concat(TEXT_STREAM)))) messages.push(item);
    expect(messages.map((item) => item.headers[":event-type"])).toEqual([
      "messageStart",
      "contentBlockDelta",
      "contentBlockDelta",
      "contentBlockStop",
      "messageStop",
      "metadata",
    ]);
    expect(messages[0]!.headers[":message-type"]).toBe("event");
    expect(JSON.parse(new TextDecoder().decode(messages[1]!.payload))).toEqual({
      contentBlockIndex: 0,
      delta: { text: "Hel" },
    });
  });

  test("empty body yields nothing", async () => {
    const messages = [];
    for await (const item of readEventStream(byteStream(new Uint8Array(0)))) messages.push(item);
    expect(messages).toEqual([]);
  });
});

describe("Bedrock stream decoding", () => {
  for (const readSize of [0, 1, 5, 13]) {
    test(`reads of ${readSize || "all"} bytes`, async () => {
      const { chunks, error } = await decode(concat(TEXT_STREAM), readSize);

      expect(error).toBeNull();
      expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
      expect(textOf(chunks)).toBe("Hello é");
      const finishes = chunks.flatMap((chunk) => chunk.choices.map((c) => c.finish_reason));
      expect(finishes.filter((reason) => reason !== null)).toEqual(["stop"]);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toEqual({
        prompt_tokens: 13,
        completion_tokens: 4,
        total_tokens: 17,
        prompt_tokens_details: { cached_tokens: 3, cache_write_tokens: 0 },
      });
      expect(chunks.every((chunk) => chunk.model === "client-model")).toBe(true);
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    });
  }

  test("bad prelude CRC", async () => {
    const bytes = concat(TEXT_STREAM);
    const second = TEXT_STREAM[0]!.length;
    bytes[second + 8] ^= 0xff;
    const { chunks, error } = await decode(bytes);

    expect(textOf(chunks)).toBe("");
    expect(chunks.length).toBe(1);
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).code).toBe("upstream_invalid_response");
    expect((error as NexusError).message).toMatch(/prelude CRC/);
  });

  test("bad message CRC", async () => {
    const bytes = concat(TEXT_STREAM);
    const third = TEXT_STREAM[0]!.length + TEXT_STREAM[1]!.length;
    // A byte of the third message's payload: the prelude stays valid, the message CRC not.
    bytes[third + TEXT_STREAM[2]!.length - 8] ^= 0x01;
    const { chunks, error } = await decode(bytes, 3);

    expect(textOf(chunks)).toBe("Hel");
    expect((error as NexusError).code).toBe("upstream_invalid_response");
    expect((error as NexusError).message).toMatch(/checksum/);
  });

  test("exception message mid-stream", async () => {
    const parts = [
      ...TEXT_STREAM.slice(0, 3),
      exceptionMessage("throttlingException", "Too many tokens, please wait."),
    ];
    const { chunks, error } = await decode(concat(parts), 7);

    expect(textOf(chunks)).toBe("Hello é");
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).code).toBe("upstream_rate_limited");
    expect((error as NexusError).status).toBe(429);
    expect((error as NexusError).message).toContain("Too many tokens, please wait.");
  });

  const exceptions = [
    ["modelStreamErrorException", "upstream_error", 502],
    ["validationException", "upstream_bad_request", 400],
    ["internalServerException", "upstream_error", 500],
    ["serviceUnavailableException", "upstream_overloaded", 503],
  ] as const;
  for (const [type, code, status] of exceptions) {
    test(`${type} mapped`, async () => {
      const { error } = await decode(concat([TEXT_STREAM[0]!, exceptionMessage(type, "x")]));
      expect((error as NexusError).code).toBe(code);
      expect((error as NexusError).status).toBe(status);
    });
  }

  test("cut inside a message", async () => {
    const bytes = concat(TEXT_STREAM);
    const { chunks, error } = await decode(bytes.subarray(0, bytes.length - 10), 4);

    expect(textOf(chunks)).toBe("Hello é");
    expect((error as NexusError).code).toBe("upstream_stream_cut");
  });

  test("end before metadata", async () => {
    const { chunks, error } = await decode(concat(TEXT_STREAM.slice(0, 5)));
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.some((chunk) => chunk.usage !== undefined)).toBe(false);
    expect((error as NexusError).code).toBe("upstream_stream_cut");
  });

  test("tool call streamed", async () => {
    const parts = [
      eventMessage("messageStart", { role: "assistant" }),
      eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Let me look." } }),
      eventMessage("contentBlockStop", { contentBlockIndex: 0 }),
      eventMessage("contentBlockStart", {
        contentBlockIndex: 1,
        start: { toolUse: { toolUseId: "tooluse_abc", name: "get_weather" } },
      }),
      eventMessage("contentBlockDelta", {
        contentBlockIndex: 1,
        delta: { toolUse: { input: '{"city":' } },
      }),
      eventMessage("contentBlockDelta", {
        contentBlockIndex: 1,
        delta: { toolUse: { input: '"Paris"}' } },
      }),
      eventMessage("contentBlockStop", { contentBlockIndex: 1 }),
      eventMessage("contentBlockStart", {
        contentBlockIndex: 2,
        start: { toolUse: { toolUseId: "tooluse_def", name: "now" } },
      }),
      eventMessage("contentBlockStop", { contentBlockIndex: 2 }),
      eventMessage("messageStop", { stopReason: "tool_use" }),
      eventMessage("metadata", { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }),
    ];
    const { chunks, error } = await decode(concat(parts));
    expect(error).toBeNull();

    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: "tooluse_abc",
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    const args = (index: number) =>
      calls.filter((call) => call.index === index).map((call) => call.function?.arguments).join("");
    expect(args(0)).toBe('{"city":"Paris"}');
    expect(args(1)).toBe("{}");
    expect(calls.find((call) => call.index === 1)?.id).toBe("tooluse_def");
    expect(textOf(chunks)).toBe("Let me look.");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("reasoning with signature and redacted", async () => {
    const parts = [
      eventMessage("messageStart", { role: "assistant" }),
      eventMessage("contentBlockDelta", {
        contentBlockIndex: 0,
        delta: { reasoningContent: { text: "Think" } },
      }),
      eventMessage("contentBlockDelta", {
        contentBlockIndex: 0,
        delta: { reasoningContent: { signature: "sig-1" } },
      }),
      eventMessage("contentBlockDelta", {
        contentBlockIndex: 1,
        delta: { reasoningContent: { redactedContent: "cmVkYWN0ZWQ=" } },
      }),
      eventMessage("contentBlockDelta", { contentBlockIndex: 2, delta: { text: "Done" } }),
      eventMessage("messageStop", { stopReason: "guardrail_intervened" }),
      eventMessage("metadata", { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }),
    ];
    const { chunks } = await decode(concat(parts));
    const deltas = chunks.map((chunk) => chunk.choices[0]?.delta ?? {});

    expect(deltas.map((delta) => delta.reasoning_content ?? "").join("")).toBe("Think");
    expect(deltas.flatMap((delta) => delta.reasoning_details ?? [])).toEqual([
      { type: "thinking", signature: "sig-1" },
      { type: "redacted_thinking", data: "cmVkYWN0ZWQ=" },
    ]);
    expect(textOf(chunks)).toBe("Done");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("content_filter");
  });

  test("JSON mode tool becomes content", async () => {
    const context = contextFor({ response_format: { type: "json_object" } });
    const parts = [
      eventMessage("messageStart", { role: "assistant" }),
      eventMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Sure:" } }),
      eventMessage("contentBlockStart", {
        contentBlockIndex: 1,
        start: { toolUse: { toolUseId: "t1", name: "json_response" } },
      }),
      eventMessage("contentBlockDelta", {
        contentBlockIndex: 1,
        delta: { toolUse: { input: '{"a":1}' } },
      }),
      eventMessage("contentBlockStop", { contentBlockIndex: 1 }),
      eventMessage("messageStop", { stopReason: "tool_use" }),
      eventMessage("metadata", { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }),
    ];
    const { chunks } = await collectWithError(decodeChatStream(byteStream(concat(parts)), context));

    expect(textOf(chunks)).toBe('{"a":1}');
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls !== undefined)).toBe(false);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
  });
});
