import { describe, expect, test } from "bun:test";
import type {
  ChatChunk,
  ChatMessage,
  ChatResponse,
  ChunkDelta,
  FinishReason,
  Usage,
} from "../../runtime/canonical/chat.ts";
import { NexusError } from "../../runtime/errors/nexus-error.ts";
import { encodeMessage } from "../../services/gateway/src/messages/encode-message.ts";
import { MessageStreamEncoder } from "../../services/gateway/src/messages/stream-encoder.ts";

const USAGE: Usage = {
  prompt_tokens: 120,
  completion_tokens: 30,
  total_tokens: 150,
  prompt_tokens_details: { cached_tokens: 80, cache_write_tokens: 10 },
};

function response(message: Partial<ChatMessage>, finish: FinishReason = "stop"): ChatResponse {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 0,
    model: "client",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }],
    usage: USAGE,
  };
}

describe("JSON message", () => {
  test("text, usage and envelope", () => {
    const message = encodeMessage(response({ content: "Hi." }), "my-model");
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_[0-9a-f]{24}$/),
      type: "message",
      role: "assistant",
      model: "my-model",
      content: [{ type: "text", text: "Hi.", citations: null }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: 30,
        output_tokens: 30,
        cache_read_input_tokens: 80,
        cache_creation_input_tokens: 10,
        cache_creation: null,
        server_tool_use: null,
        service_tier: null,
      },
    } as never);
  });

  const reasons: [FinishReason, string][] = [
    ["stop", "end_turn"],
    ["length", "max_tokens"],
    ["tool_calls", "tool_use"],
    ["content_filter", "refusal"],
  ];
  for (const [finish, stop] of reasons) {
    test(`finish ${finish} is ${stop}`, () => {
      const message = encodeMessage(response({ content: "x" }, finish), "m");
      expect(message.stop_reason).toBe(stop as never);
    });
  }

  test("Anthropic-style thinking details keep their text", () => {
    const message = encodeMessage(response({
      content: "Four.",
      reasoning_content: "2+2=4",
      reasoning_details: [
        { type: "thinking", thinking: "2+2=4", signature: "sig" },
        { type: "redacted_thinking", data: "opaque" },
      ],
    }), "m");
    expect(message.content).toEqual([
      { type: "thinking", thinking: "2+2=4", signature: "sig" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "text", text: "Four.", citations: null },
    ]);
  });

  test("Gemini-style signature takes the reasoning text", () => {
    const message = encodeMessage(response({
      content: "Four.",
      reasoning_content: "adding",
      reasoning_details: [{ type: "thinking", signature: "gem-sig" }],
    }), "m");
    expect(message.content[0]).toEqual({
      type: "thinking",
      thinking: "adding",
      signature: "gem-sig",
    });
  });

  test("tool calls parse their arguments", () => {
    const message = encodeMessage(response({
      content: null,
      tool_calls: [
        { id: "call.1", type: "function", function: { name: "f", arguments: "{\"a\":[1]}" } },
        { id: "call_2", type: "function", function: { name: "g", arguments: "" } },
      ],
    }, "tool_calls"), "m");
    expect(message.content).toEqual([
      { type: "tool_use", id: "call_1", name: "f", input: { a: [1] } },
      { type: "tool_use", id: "call_2", name: "g", input: {} },
    ]);
  });

  test("truncated arguments give an empty input", () => {
    const message = encodeMessage(response({
      tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{\"a\":" } }],
    }, "length"), "m");
    expect(message.content).toEqual([{ type: "tool_use", id: "c", name: "f", input: {} }]);
    expect(message.stop_reason).toBe("max_tokens");
  });

  test("invalid arguments are a provider fault", () => {
    const broken = response({
      tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }],
    }, "tool_calls");
    let failure: unknown;
    try {
      encodeMessage(broken, "m");
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(NexusError);
    expect((failure as NexusError).code).toBe("upstream_invalid_response");
    expect((failure as NexusError).status).toBe(502);
  });

  test("refusal becomes text", () => {
    const message = encodeMessage(response({ content: null, refusal: "I can't." },
      "content_filter"), "m");
    expect(message.content).toEqual([{ type: "text", text: "I can't.", citations: null }]);
    expect(message.stop_reason).toBe("refusal");
  });
});

interface Accounted {
  usage: Usage | undefined | null;
  partial: Usage | null;
  chars: number;
  firstToken: boolean;
}

function encoderWith(): { encoder: MessageStreamEncoder; accounted: Accounted } {
  const accounted: Accounted = { usage: null, partial: null, chars: 0, firstToken: false };
  const encoder = new MessageStreamEncoder("client-model", {
    setUsage: (usage) => {
      accounted.usage = usage;
    },
    setPartialUsage: (usage) => {
      accounted.partial = usage;
    },
    markFirstToken: () => {
      accounted.firstToken = true;
    },
    addOutputChars: (count) => {
      accounted.chars += count;
    },
  });
  return { encoder, accounted };
}

function chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk {
  return {
    id: "c",
    object: "chat.completion.chunk",
    created: 0,
    model: "client-model",
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

function usageChunk(usage: Usage | null): ChatChunk {
  return { id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [], usage };
}

/** Runs chunks through an encoder and returns the events' data, in order. */
function run(chunks: ChatChunk[]): Record<string, unknown>[] {
  const { encoder } = encoderWith();
  const text = chunks.map((item) => encoder.encode(item)).join("") + encoder.end();
  return text.split("\n\n").filter((block) => block !== "").map((block) => {
    const [eventLine = "", dataLine = ""] = block.split("\n");
    const data = JSON.parse(dataLine.slice("data: ".length)) as Record<string, unknown>;
    expect(eventLine).toBe(`event: ${String(data.type)}`);
    return data;
  });
}

/** Drops message_start and message_stop, whose content the tests check once. */
function middle(events: Record<string, unknown>[]): Record<string, unknown>[] {
  return events.slice(1, -1);
}

describe("stream events", () => {
  test("thinking, signature, text, tool call", () => {
    const events = run([
      chunk({ role: "assistant", content: "" }),
      chunk({ reasoning_content: "Hmm" }),
      chunk({ reasoning_details: [{ type: "thinking", signature: "sig" }] }),
      chunk({ content: "Calling." }),
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function",
        function: { name: "f", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"a\":" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      chunk({}, "tool_calls"),
      usageChunk(USAGE),
    ]);

    expect(events[0]).toMatchObject({
      type: "message_start",
      message: { type: "message", role: "assistant", model: "client-model", content: [],
        stop_reason: null, stop_sequence: null },
    });
    expect(middle(events)).toEqual([
      { type: "content_block_start", index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" } },
      { type: "content_block_delta", index: 0,
        delta: { type: "thinking_delta", thinking: "Hmm" } },
      { type: "content_block_delta", index: 0,
        delta: { type: "signature_delta", signature: "sig" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Calling." } },
      { type: "content_block_stop", index: 1 },
      { type: "content_block_start", index: 2,
        content_block: { type: "tool_use", id: "call_1", name: "f", input: {} } },
      { type: "content_block_delta", index: 2,
        delta: { type: "input_json_delta", partial_json: "{\"a\":" } },
      { type: "content_block_delta", index: 2,
        delta: { type: "input_json_delta", partial_json: "1}" } },
      { type: "content_block_stop", index: 2 },
      { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null },
        usage: { input_tokens: 30, output_tokens: 30, cache_read_input_tokens: 80,
          cache_creation_input_tokens: 10, server_tool_use: null } },
    ]);
    expect(events.at(-1)).toEqual({ type: "message_stop" });
  });

  test("two tool calls get two blocks", () => {
    const events = middle(run([
      chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: "{}" } }] }),
      chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "g", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      usageChunk(USAGE),
    ]));
    const types = events.map((event) => `${String(event.type)}:${String(event.index)}`);
    expect(types).toEqual([
      "content_block_start:0", "content_block_delta:0", "content_block_stop:0",
      "content_block_start:1", "content_block_delta:1", "content_block_stop:1",
      "message_delta:undefined",
    ]);
  });

  test("redacted thinking is a whole block", () => {
    const events = middle(run([
      chunk({ reasoning_details: [{ type: "redacted_thinking", data: "opaque" }] }),
      chunk({ content: "ok" }, "stop"),
      usageChunk(USAGE),
    ]));
    expect(events.slice(0, 3)).toEqual([
      { type: "content_block_start", index: 0,
        content_block: { type: "redacted_thinking", data: "opaque" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
    ]);
  });

  test("empty deltas open no block", () => {
    const events = middle(run([
      chunk({ role: "assistant", content: "", reasoning_content: "" }),
      chunk({ content: null }, "stop"),
      usageChunk(USAGE),
    ]));
    expect(events.map((event) => event.type)).toEqual(["message_delta"]);
  });

  test("stream without chunks still ends well", () => {
    const events = run([]);
    expect(events.map((event) => event.type)).toEqual([
      "message_start", "message_delta", "message_stop",
    ]);
    expect(events[1]).toMatchObject({ delta: { stop_reason: "end_turn" } });
  });

  test("length finish is max_tokens", () => {
    const events = run([chunk({ content: "cut" }, "length"), usageChunk(USAGE)]);
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: "max_tokens" } });
  });

  test("accounting sees usage and output", () => {
    const { encoder, accounted } = encoderWith();
    expect(encoder.encode(usageChunk(USAGE))).toBe("");
    expect(accounted.usage).toEqual(USAGE);

    encoder.encode(chunk({ content: "12345", reasoning_content: "678" }));
    expect(accounted.chars).toBe(8);
    expect(accounted.firstToken).toBe(true);

    const partial = { ...usageChunk(USAGE), usage_partial: true };
    expect(encoder.encode(partial)).toBe("");
    expect(accounted.partial).toEqual(USAGE);
  });

  test("missing usage reports zero counts", () => {
    const { encoder, accounted } = encoderWith();
    encoder.encode(chunk({ content: "x" }, "stop"));
    encoder.encode(usageChunk(null));
    expect(accounted.usage).toBeUndefined();
    expect(encoder.end()).toContain("\"output_tokens\":0");
  });
});
