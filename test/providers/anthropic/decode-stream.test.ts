import { describe, expect, test } from "bun:test";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { anthropicCodec } from "../../../runtime/providers/anthropic/codec.ts";
import { assemble, collect, contextFor, encoder, streamOf } from "./fixtures.ts";

type Event = Record<string, unknown>;

function sse(events: Event[]): string {
  return events
    .map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    .join("");
}

const start: Event = {
  type: "message_start",
  message: {
    id: "msg_test",
    type: "message",
    role: "assistant",
    content: [],
    usage: {
      input_tokens: 20,
      cache_read_input_tokens: 5,
      cache_creation_input_tokens: 3,
      output_tokens: 1,
    },
  },
};
const textStart = (index: number): Event => ({
  type: "content_block_start",
  index,
  content_block: { type: "text", text: "" },
});
const text = (index: number, value: string): Event => ({
  type: "content_block_delta",
  index,
  delta: { type: "text_delta", text: value },
});
const blockStop = (index: number): Event => ({ type: "content_block_stop", index });
const messageDelta = (stopReason: string, output = 9): Event => ({
  type: "message_delta",
  delta: { stop_reason: stopReason, stop_sequence: null },
  usage: { output_tokens: output },
});
const stop: Event = { type: "message_stop" };

async function decode(events: Event[] | string, request: Partial<ChatRequest> = {}, size = 0) {
  const body = typeof events === "string" ? events : sse(events);
  return collect(
    anthropicCodec.decodeChatStream(streamOf(encoder.encode(body), size), contextFor(request)),
  );
}

describe("decode stream", () => {
  test("cut stream keeps whole chunks", async () => {
    const whole = sse([start, textStart(0), text(0, "Hello"), text(0, " world")]);
    const partial = 'event: content_block_delta\ndata: {"type":"content_block_delta","ind';
    const { chunks, error } = await decode(whole + partial, {}, 5);

    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).code).toBe("upstream_stream_cut");
    expect((error as NexusError).status).toBe(502);
    expect((error as NexusError).type).toBe("api_error");
    expect(assemble(chunks).content).toBe("Hello world");
  });

  test("error event maps to overloaded", async () => {
    const overloaded = {
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    };
    const { chunks, error } = await decode([start, textStart(0), text(0, "Hi"), overloaded]);

    expect((error as NexusError).code).toBe("upstream_overloaded");
    expect((error as NexusError).status).toBe(503);
    expect(assemble(chunks).content).toBe("Hi");
  });

  test("ping and unknown events ignored", async () => {
    const events = [
      start,
      { type: "ping" },
      textStart(0),
      { type: "future_event", x: 1 },
      text(0, "ok"),
      blockStop(0),
      messageDelta("end_turn"),
      stop,
    ];
    const { chunks, error } = await decode(events);

    expect(error).toBeNull();
    expect(assemble(chunks).content).toBe("ok");
    // The role chunk, the text and the finish chunk; ping and the unknown event add nothing.
    expect(chunks.filter((chunk) => chunk.choices.length === 1)).toHaveLength(3);
  });

  test("multi-byte character split across reads", async () => {
    const value = "naïve 😄 ÷ 日本";
    const events = [
      start,
      textStart(0),
      text(0, value),
      blockStop(0),
      messageDelta("end_turn"),
      stop,
    ];
    for (const size of [1, 2, 3]) {
      const { chunks, error } = await decode(events, {}, size);
      expect(error).toBeNull();
      expect(assemble(chunks).content).toBe(value);
    }
  });

  test("usage merges start and delta", async () => {
    const { chunks } = await decode([start, messageDelta("end_turn", 42), stop]);
    const usage = chunks.at(-1)!.usage!;

    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(usage.prompt_tokens).toBe(20 + 5 + 3);
    expect(usage.completion_tokens).toBe(42);
    expect(usage.total_tokens).toBe(28 + 42);
    expect(usage.prompt_tokens_details).toEqual({ cached_tokens: 5, cache_write_tokens: 3 });
    expect(usage.completion_tokens_details).toBeUndefined();
  });

  test("finish reasons", async () => {
    const table: [string, string][] = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["pause_turn", "stop"],
      ["max_tokens", "length"],
      ["model_context_window_exceeded", "length"],
      ["refusal", "content_filter"],
    ];
    for (const [stopReason, finish] of table) {
      const { chunks } = await decode([
        start,
        textStart(0),
        text(0, "x"),
        blockStop(0),
        messageDelta(stopReason),
        stop,
      ]);
      expect(assemble(chunks).finishReasons).toEqual([finish]);
    }
  });

  test("redacted thinking and signature", async () => {
    const events = [
      start,
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "redacted_thinking", data: "opaque" },
      },
      blockStop(0),
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "thinking", thinking: "", signature: "" },
      },
      {
        type: "content_block_delta",
        index: 1,
        delta: { type: "thinking_delta", thinking: "Let me see" },
      },
      {
        type: "content_block_delta",
        index: 1,
        delta: { type: "signature_delta", signature: "sig-xyz" },
      },
      blockStop(1),
      textStart(2),
      text(2, "Done"),
      blockStop(2),
      messageDelta("end_turn"),
      stop,
    ];
    const { chunks } = await decode(events);
    const answer = assemble(chunks);
    const details = chunks.flatMap((chunk) => chunk.choices[0]?.delta.reasoning_details ?? []);

    expect(answer.redacted).toEqual(["opaque"]);
    expect(answer.reasoning).toBe("Let me see");
    expect(details).toContainEqual({ type: "thinking", signature: "sig-xyz" });
    expect(answer.content).toBe("Done");
  });

  test("whitespace stop held across chunks", async () => {
    const events = [
      start,
      textStart(0),
      text(0, "line one\n"),
      text(0, "\nline two"),
      blockStop(0),
      messageDelta("end_turn"),
      stop,
    ];
    const { chunks } = await decode(events, { stop: ["\n\n", "END"] });
    const answer = assemble(chunks);

    expect(answer.content).toBe("line one");
    expect(answer.finishReasons).toEqual(["stop"]);
  });

  test("partial stop released at end", async () => {
    const events = [
      start,
      textStart(0),
      text(0, "tail\n"),
      blockStop(0),
      messageDelta("max_tokens"),
      stop,
    ];
    const { chunks } = await decode(events, { stop: "\n\n" });
    const answer = assemble(chunks);

    expect(answer.content).toBe("tail\n");
    expect(answer.finishReasons).toEqual(["length"]);
  });

  test("stop drops later tool calls", async () => {
    const events = [
      start,
      textStart(0),
      text(0, "a \t b"),
      blockStop(0),
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "toolu_1", name: "f", input: {} },
      },
      blockStop(1),
      messageDelta("tool_use"),
      stop,
    ];
    const { chunks } = await decode(events, { stop: " \t " });
    const answer = assemble(chunks);

    expect(answer.content).toBe("a");
    expect(answer.calls).toEqual([]);
    expect(answer.finishReasons).toEqual(["stop"]);
  });

  test("json mode without tool keeps text", async () => {
    const events = [
      start,
      textStart(0),
      text(0, "I cannot do that."),
      blockStop(0),
      messageDelta("end_turn"),
      stop,
    ];
    const { chunks } = await decode(events, { response_format: { type: "json_object" } });

    expect(assemble(chunks).content).toBe("I cannot do that.");
  });

  test("json_object tool streams content", async () => {
    const events = [
      start,
      {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: "toolu_j", name: "json_response", input: {} },
      },
      {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: '{"a":' },
      },
      {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: "1}" },
      },
      blockStop(0),
      messageDelta("tool_use"),
      stop,
    ];
    const { chunks } = await decode(events, { response_format: { type: "json_object" } }, 7);
    const answer = assemble(chunks);

    expect(answer.content).toBe('{"a":1}');
    expect(answer.calls).toEqual([]);
    expect(answer.finishReasons).toEqual(["stop"]);
  });

  test("invalid event JSON", async () => {
    const { error } = await decode("event: message_start\ndata: {not json\n\n");
    expect((error as NexusError).code).toBe("upstream_invalid_response");
  });
});
