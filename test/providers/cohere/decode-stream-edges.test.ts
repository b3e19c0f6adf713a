import { describe, expect, test } from "bun:test";
import { cohereCodec } from "../../../runtime/providers/cohere/codec.ts";
import { assemble, collect, contextFor, frameEvents, streamOf } from "./fixtures.ts";

const start = {
  id: "msg-1",
  type: "message-start",
  delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [] } },
};
const usage = {
  billed_units: { input_tokens: 3, output_tokens: 2 },
  tokens: { input_tokens: 9, output_tokens: 4 },
};

function end(reason: string) {
  return { type: "message-end", delta: { finish_reason: reason, usage } };
}

function text(index: number, value: string) {
  return { type: "content-delta", index, delta: { message: { content: { text: value } } } };
}

async function decode(events: Record<string, unknown>[], size = 0) {
  const body = streamOf(frameEvents(events), size);
  return collect(cohereCodec.decodeChatStream(body, contextFor()));
}

/** Each case: a Cohere finish reason and the OpenAI finish_reason it must become. */
const FINISH_CASES: [string, string][] = [
  ["COMPLETE", "stop"],
  ["STOP_SEQUENCE", "stop"],
  ["MAX_TOKENS", "length"],
  ["TIMEOUT", "length"],
  ["TOOL_CALL", "stop"],
  ["SOMETHING_NEW", "stop"],
];

describe("Cohere stream edges", () => {
  for (const [reason, expected] of FINISH_CASES) {
    test(`finish ${reason}`, async () => {
      const { chunks, error } = await decode([start, text(0, "hi"), end(reason)]);
      expect(error).toBeNull();
      // TOOL_CALL without any tool call has nothing to call, so it ends as "stop".
      expect(assemble(chunks).finishReasons).toEqual([expected]);
      expect(chunks.at(-1)!.usage?.prompt_tokens).toBe(9);
    });
  }

  test("finish ERROR raises after usage", async () => {
    const { chunks, error } = await decode([start, text(0, "par"), end("ERROR")]);
    expect((error as { code?: string }).code).toBe("upstream_error");
    expect(assemble(chunks).content).toBe("par");
    expect(assemble(chunks).finishReasons).toEqual([]);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage_partial).toBe(true);
    expect(last.usage?.completion_tokens).toBe(4);
  });

  test("tool call without arguments", async () => {
    const events = [
      start,
      {
        type: "tool-call-start",
        index: 3,
        delta: {
          message: {
            tool_calls: { id: "t1", type: "function", function: { name: "now", arguments: "" } },
          },
        },
      },
      { type: "tool-call-end", index: 3 },
      end("TOOL_CALL"),
    ];
    const { chunks, error } = await decode(events, 1);
    expect(error).toBeNull();
    const answer = assemble(chunks);
    // The event index 3 is Cohere's; OpenAI tool call indices start at 0.
    expect(answer.calls).toEqual([{ id: "t1", name: "now", arguments: "{}" }]);
    expect(answer.finishReasons).toEqual(["tool_calls"]);
  });

  test("citation and unknown events ignored", async () => {
    const events = [
      start,
      text(0, "a"),
      { type: "citation-start", index: 0, delta: { message: { citations: {} } } },
      { type: "citation-end", index: 0 },
      { type: "debug", delta: {} },
      text(0, "b"),
      end("COMPLETE"),
    ];
    const { chunks, error } = await decode(events);
    expect(error).toBeNull();
    expect(assemble(chunks).content).toBe("ab");
  });

  test("no message-start still starts with role", async () => {
    const { chunks, error } = await decode([text(0, "x"), end("COMPLETE")]);
    expect(error).toBeNull();
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(assemble(chunks).content).toBe("x");
  });

  test("empty body is a cut stream", async () => {
    const { chunks, error } = await decode([]);
    expect((error as { code?: string }).code).toBe("upstream_stream_cut");
    expect(chunks).toEqual([]);
  });

  test("non-JSON event raises", async () => {
    const body = streamOf("event: content-delta\ndata: {oops\n\n");
    const { error } = await collect(cohereCodec.decodeChatStream(body, contextFor()));
    expect((error as { code?: string }).code).toBe("upstream_invalid_response");
  });

  test("broken connection is a cut stream", async () => {
    const framed = new TextEncoder().encode(frameEvents([start, text(0, "abc")]));
    let reads = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // The first read delivers the events; the second fails like a reset socket.
        if (reads++ === 0) controller.enqueue(framed);
        else controller.error(new Error("socket reset"));
      },
    });
    const { chunks, error } = await collect(cohereCodec.decodeChatStream(body, contextFor()));
    expect((error as { code?: string }).code).toBe("upstream_stream_cut");
    expect(assemble(chunks).content).toBe("abc");
  });
});

describe("Cohere JSON edges", () => {
  test("finish ERROR raises", () => {
    const body = { id: "r1", finish_reason: "ERROR", message: { role: "assistant", content: [] } };
    expect(() => cohereCodec.decodeChatResponse(body, contextFor())).toThrow(
      expect.objectContaining({ code: "upstream_error" }),
    );
  });

  test("body without message raises", () => {
    expect(() => cohereCodec.decodeChatResponse({ id: "r1" }, contextFor())).toThrow(
      expect.objectContaining({ code: "upstream_invalid_response" }),
    );
  });

  test("billed units when tokens missing", () => {
    const body = {
      id: "r2",
      finish_reason: "MAX_TOKENS",
      message: { role: "assistant", content: [{ type: "text", text: "long" }] },
      usage: { billed_units: { input_tokens: 5, output_tokens: 6 } },
    };
    const response = cohereCodec.decodeChatResponse(body, contextFor());
    expect(response.choices[0]!.finish_reason).toBe("length");
    expect(response.usage?.prompt_tokens).toBe(5);
    expect(response.usage?.completion_tokens).toBe(6);
    expect(response.usage?.total_tokens).toBe(11);
  });
});
